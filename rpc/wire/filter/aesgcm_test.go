package filter

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

func TestAESGCMKeySizes(t *testing.T) {
	tests := []struct {
		size int
		ok   bool
		bits string
	}{
		{0, false, ""},
		{1, false, ""},
		{15, false, ""},
		{16, true, "128-bit"},
		{17, false, ""},
		{24, true, "192-bit"},
		{31, false, ""},
		{32, true, "256-bit"},
		{33, false, ""},
		{64, false, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.size, " bytes"), func(t *testing.T) {
			a, err := NewAESGCM(bytes.Repeat([]byte{7}, tt.size))
			if !tt.ok {
				if err == nil || a != nil {
					t.Fatalf("NewAESGCM = %v, %v; want an error", a, err)
				}
				if !strings.HasPrefix(err.Error(), "filter: ") {
					t.Fatalf("error %q lacks the package prefix", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(a.String(), tt.bits) {
				t.Fatalf("String() = %q, want it to name %s", a, tt.bits)
			}
			body := textBody(581)
			if got, _ := roundTrip(t, a, body, 0); !bytes.Equal(got, body) {
				t.Fatal("round trip changed the body")
			}
		})
	}
}

func TestAESGCMLayout(t *testing.T) {
	a := newTestAESGCM(t)
	body := []byte("hello")
	one, _, _ := a.Encode(nil, body)
	two, _, _ := a.Encode(nil, body)
	if want := gcmNonceSize + len(body) + gcmTagSize; len(one) != want {
		t.Fatalf("sealed %d bytes into %d, want %d", len(body), len(one), want)
	}
	if bytes.Equal(one[:gcmNonceSize], two[:gcmNonceSize]) {
		t.Fatal("two Encodes used the same nonce")
	}
	if bytes.Contains(one, body) {
		t.Fatal("the sealed body contains the plaintext")
	}
}

func TestAESGCMCorrupt(t *testing.T) {
	a := newTestAESGCM(t)
	good, _, _ := a.Encode(nil, []byte("a short body"))
	type tc struct {
		name string
		data []byte
	}
	tests := []tc{
		{"empty", nil},
		{"nonce only", good[:gcmNonceSize]},
		{"27 bytes", good[:27]},
		{"truncated by one", good[:len(good)-1]},
		{"extra byte", append(bytes.Clone(good), 0)},
		{"zeros", make([]byte, len(good))},
	}
	for i := range good {
		tests = append(tests, tc{fmt.Sprintf("byte %d flipped", i), flip(good, i)})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := a.Decode(nil, tt.data, 0)
			if !errors.Is(err, wire.ErrIntegrity) {
				t.Fatalf("Decode = %q, %v; want ErrIntegrity", out, err)
			}
		})
	}
}

func TestAESGCMWrongKey(t *testing.T) {
	a := newTestAESGCM(t)
	sealed, _, _ := a.Encode(nil, textBody(581))
	keys := []struct {
		name string
		key  []byte
	}{
		{"last bit", func() []byte { k := bytes.Clone(testKey); k[31] ^= 1; return k }()},
		{"other 256-bit", bytes.Repeat([]byte{1}, 32)},
		{"128-bit prefix", testKey[:16]},
		{"192-bit prefix", testKey[:24]},
	}
	for _, tt := range keys {
		t.Run(tt.name, func(t *testing.T) {
			other, err := NewAESGCM(tt.key)
			if err != nil {
				t.Fatal(err)
			}
			if out, err := other.Decode(nil, sealed, 0); !errors.Is(err, wire.ErrIntegrity) {
				t.Fatalf("Decode under the wrong key = %d bytes, %v; want ErrIntegrity", len(out), err)
			}
		})
	}
}

func TestAESGCMZeroValue(t *testing.T) {
	var a AESGCM
	if out, applied, err := a.Encode([]byte("dst"), []byte("body")); err == nil || applied || string(out) != "dst" {
		t.Fatalf("zero AESGCM Encode = %q, %v, %v; want an error", out, applied, err)
	}
	if out, err := a.Decode([]byte("dst"), make([]byte, 64), 0); err == nil || string(out) != "dst" {
		t.Fatalf("zero AESGCM Decode = %q, %v; want an error", out, err)
	}
	if s := a.String(); s != "aes-gcm(no key)" {
		t.Fatalf("String() = %q", s)
	}
}

// TestAESGCMKeyNotLogged checks that neither slog nor fmt prints the key,
// in any encoding a log might use.
func TestAESGCMKeyNotLogged(t *testing.T) {
	a := newTestAESGCM(t)
	secrets := []string{
		string(testKey),
		string(testKey[:8]),
		hex.EncodeToString(testKey[:8]),
		base64.StdEncoding.EncodeToString(testKey[:9]),
		fmt.Sprint(testKey[:4])[1:10], // "102 105 1", as %v prints a []byte
	}
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	log.Info("filter", "f", a, "group", slog.GroupValue(slog.Any("inner", a)))
	jsonLog := slog.New(slog.NewJSONHandler(&logged, nil))
	jsonLog.Info("filter", "f", a, "value", *a)
	outputs := []struct{ name, text string }{
		{"slog", logged.String()},
		{"Sprint", fmt.Sprint(a)},
		{"Sprint value", fmt.Sprint(*a)},
		{"%v", fmt.Sprintf("%v", a)},
		{"%+v", fmt.Sprintf("%+v", a)},
		{"%#v", fmt.Sprintf("%#v", a)},
		{"%+v value", fmt.Sprintf("%+v", *a)},
		{"%x", fmt.Sprintf("%x", a)},
		{"%s in a slice", fmt.Sprintf("%s", []wire.Filter{Gzip{}, a})},
	}
	for _, out := range outputs {
		t.Run(out.name, func(t *testing.T) {
			for _, s := range secrets {
				if strings.Contains(out.text, s) {
					t.Fatalf("output contains %q:\n%s", s, out.text)
				}
			}
		})
	}
	want := "aes-gcm(key redacted, 256-bit)"
	if !strings.Contains(logged.String(), "f="+`"`+want+`"`) || fmt.Sprint(a) != want {
		t.Fatalf("slog gave %q, fmt %q; want %q", logged.String(), fmt.Sprint(a), want)
	}
}
