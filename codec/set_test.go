package codec

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

// stubCodec is a codec with a chosen id and name that encodes nothing.
type stubCodec struct {
	id   byte
	name string
}

func (c stubCodec) ID() byte                                  { return c.id }
func (c stubCodec) Name() string                              { return c.name }
func (c stubCodec) Marshal(dst []byte, _ any) ([]byte, error) { return dst, nil }
func (c stubCodec) Unmarshal([]byte, any) error               { return errors.New("stub") }

func TestStandard(t *testing.T) {
	s := Standard()
	var ids, names []string
	for _, c := range s.All() {
		ids = append(ids, string(c.ID()))
		names = append(names, c.Name())
	}
	if got, want := strings.Join(ids, ","), "f,j,p,s,x"; got != want {
		t.Fatalf("ids %s, want %s", got, want)
	}
	if got, want := strings.Join(names, ","), "form,json,protobuf,plain,xml"; got != want {
		t.Fatalf("names %s, want %s", got, want)
	}
	for _, c := range s.All() {
		if s.ByID(c.ID()) != c || s.ByName(c.Name()) != c {
			t.Fatalf("%s not found by its id or name", c.Name())
		}
	}
	if err := s.Add(stubCodec{'z', "zstd"}); err != nil {
		t.Fatal(err)
	}
	if Standard().ByID('z') != nil {
		t.Fatal("Add to one standard set changed another")
	}
}

func TestSetLookup(t *testing.T) {
	s := Standard()
	tests := []struct {
		name   string
		lookup func() Codec
		want   Codec
	}{
		{"id", func() Codec { return s.ByID('j') }, JSON{}},
		{"absent id", func() Codec { return s.ByID('q') }, nil},
		{"id 0", func() Codec { return s.ByID(0) }, nil},
		{"lowercase name", func() Codec { return s.ByName("xml") }, XML{}},
		{"uppercase name", func() Codec { return s.ByName("JSON") }, JSON{}},
		{"mixed case name", func() Codec { return s.ByName("ProtoBuf") }, Protobuf{}},
		{"absent name", func() Codec { return s.ByName("yaml") }, nil},
		{"empty name", func() Codec { return s.ByName("") }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.lookup(); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSetAdd(t *testing.T) {
	tests := []struct {
		name string
		c    Codec
		ok   bool
	}{
		{"new codec", stubCodec{'m', "msgpack"}, true},
		{"new codec with uppercase name", stubCodec{'c', "CBOR"}, true},
		{"nil", nil, false},
		{"id 0", stubCodec{0, "zero"}, false},
		{"empty name", stubCodec{'e', ""}, false},
		{"duplicate id", stubCodec{'j', "other"}, false},
		{"duplicate name", stubCodec{'J', "json"}, false},
		{"duplicate name in another case", stubCodec{'J', "Json"}, false},
		{"duplicate codec", JSON{}, false},
	}
	s := Standard()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(s.All())
			err := s.Add(tt.c)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				if s.ByID(tt.c.ID()) != tt.c || s.ByName(strings.ToLower(tt.c.Name())) != tt.c {
					t.Fatal("added codec not found")
				}
				return
			}
			if err == nil {
				t.Fatal("Add succeeded")
			}
			if !strings.HasPrefix(err.Error(), "codec: ") {
				t.Fatalf("error %q does not start with \"codec: \"", err)
			}
			if len(s.All()) != before {
				t.Fatal("failed Add changed the set")
			}
		})
	}
}

func TestSetZeroValue(t *testing.T) {
	var s Set
	if s.ByID('j') != nil || s.ByName("json") != nil || len(s.All()) != 0 {
		t.Fatal("zero set is not empty")
	}
	if err := s.Add(JSON{}); err != nil {
		t.Fatal(err)
	}
	if s.ByID('j') != (JSON{}) || s.ByName("JSON") != (JSON{}) || len(s.All()) != 1 {
		t.Fatal("zero set does not hold the added codec")
	}
}

func TestSetAllIsACopy(t *testing.T) {
	s := Standard()
	all := s.All()
	all[0] = nil
	if s.All()[0] == nil {
		t.Fatal("All returned the set's own slice")
	}
}

// TestSetConcurrent adds codecs while other goroutines look codecs up; run
// it with -race.
func TestSetConcurrent(t *testing.T) {
	s := Standard()
	var wg sync.WaitGroup
	const adders = 8
	for g := range adders {
		wg.Go(func() {
			for i := range 16 {
				id := byte(128 + g*16 + i)
				if err := s.Add(stubCodec{id, "stub" + string(rune('a'+g)) + string(rune('a'+i))}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for i := range 2000 {
				if s.ByID('j') == nil || s.ByName("JSON") == nil {
					t.Error("standard codec missing during Add")
					return
				}
				_ = s.ByID(byte(i))
				_ = s.ByName("stubaa")
				_ = s.All()
			}
		})
	}
	wg.Wait()
	if got, want := len(s.All()), 5+adders*16; got != want {
		t.Fatalf("%d codecs, want %d", got, want)
	}
}
