package filter

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

func TestMD5Layout(t *testing.T) {
	body := []byte("hello, world")
	out, applied, err := MD5{}.Encode([]byte("dst"), body)
	if err != nil || !applied {
		t.Fatalf("Encode: applied %v, %v", applied, err)
	}
	sum := md5.Sum(body)
	want := append(append([]byte("dst"), body...), sum[:]...)
	if !bytes.Equal(out, want) {
		t.Fatalf("Encode = % x\nwant     % x", out, want)
	}
}

func TestMD5Corrupt(t *testing.T) {
	good, _, _ := MD5{}.Encode(nil, []byte("a short body"))
	type tc struct {
		name string
		data []byte
	}
	tests := []tc{
		{"empty", nil},
		{"15 bytes", good[len(good)-15:]},
		{"digest only, wrong", good[len(good)-16:]},
		{"truncated by one", good[:len(good)-1]},
		{"extra byte", append(bytes.Clone(good), 0)},
		{"swapped halves", append(bytes.Clone(good[6:]), good[:6]...)},
	}
	for i := range good {
		tests = append(tests, tc{fmt.Sprintf("byte %d flipped", i), flip(good, i)})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := MD5{}.Decode(nil, tt.data, 0)
			if !errors.Is(err, wire.ErrIntegrity) {
				t.Fatalf("Decode = %q, %v; want ErrIntegrity", out, err)
			}
		})
	}
}

// TestMD5OfEmptyBody checks that the digest of an empty body alone is a
// valid encoding.
func TestMD5OfEmptyBody(t *testing.T) {
	sum := md5.Sum(nil)
	out, err := MD5{}.Decode([]byte("x"), sum[:], 0)
	if err != nil || string(out) != "x" {
		t.Fatalf("Decode = %q, %v", out, err)
	}
}
