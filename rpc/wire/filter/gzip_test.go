package filter

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

func TestGzipThreshold(t *testing.T) {
	tests := []struct {
		name    string
		g       Gzip
		body    []byte
		applied bool
	}{
		{"default threshold, 1023 bytes", Gzip{}, textBody(1023), false},
		{"default threshold, 1024 bytes", Gzip{}, textBody(1024), true},
		{"threshold 100, 99 bytes", Gzip{MinSize: 100}, bytes.Repeat([]byte("a"), 99), false},
		{"threshold 100, 100 bytes", Gzip{MinSize: 100}, bytes.Repeat([]byte("a"), 100), true},
		{"threshold off, 30 bytes", Gzip{MinSize: -1}, bytes.Repeat([]byte("a"), 30), true},
		{"threshold off, empty", Gzip{MinSize: -1}, nil, false},
		{"not smaller: random", Gzip{MinSize: -1}, randomBody(4096), false},
		{"not smaller: short text", Gzip{MinSize: -1}, []byte("hello, world"), false},
		{"not smaller: random, huffman only", Gzip{Level: gzip.HuffmanOnly, MinSize: -1}, randomBody(4096), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := append(make([]byte, 0, 16), "dst"...)
			out, applied, err := tt.g.Encode(dst, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if applied != tt.applied {
				t.Fatalf("applied = %v, want %v", applied, tt.applied)
			}
			if !applied {
				if string(out) != "dst" || &out[0] != &dst[0] {
					t.Fatalf("declined, but returned %q, not dst", out)
				}
				return
			}
			if n := len(out) - len(dst); n >= len(tt.body) {
				t.Fatalf("applied with %d compressed bytes for a %d-byte body", n, len(tt.body))
			}
			got, err := tt.g.Decode(nil, out[len(dst):], 0)
			if err != nil || !bytes.Equal(got, tt.body) {
				t.Fatalf("Decode: %v, body equal %v", err, bytes.Equal(got, tt.body))
			}
		})
	}
}

func TestGzipInvalidLevel(t *testing.T) {
	for _, level := range []int{-3, 10, 42, -100} {
		t.Run(fmt.Sprint("level ", level), func(t *testing.T) {
			dst := []byte("dst")
			// Even a body below the threshold reports the bad level.
			for _, body := range [][]byte{nil, []byte("x"), textBody(4096)} {
				out, applied, err := Gzip{Level: level}.Encode(dst, body)
				if err == nil {
					t.Fatalf("level %d, %d-byte body: no error", level, len(body))
				}
				if applied || string(out) != "dst" {
					t.Fatalf("level %d: applied %v, out %q", level, applied, out)
				}
			}
		})
	}
}

// TestGzipLevels checks every valid level gives exactly what a fresh
// compress/gzip writer at that level gives, with pooled writers used in
// turn across levels.
func TestGzipLevels(t *testing.T) {
	body := textBody(20000)
	levels := []struct {
		name  string
		level int // Gzip.Level
		gzip  int // compress/gzip level
	}{
		{"zero means default", 0, gzip.DefaultCompression},
		{"default", gzip.DefaultCompression, gzip.DefaultCompression},
		{"huffman only", gzip.HuffmanOnly, gzip.HuffmanOnly},
		{"best speed", gzip.BestSpeed, gzip.BestSpeed},
		{"5", 5, 5},
		{"best compression", gzip.BestCompression, gzip.BestCompression},
	}
	for range 2 {
		for _, tt := range levels {
			t.Run(tt.name, func(t *testing.T) {
				var want bytes.Buffer
				zw, err := gzip.NewWriterLevel(&want, tt.gzip)
				if err != nil {
					t.Fatal(err)
				}
				zw.Write(body)
				zw.Close()
				got, applied, err := Gzip{Level: tt.level}.Encode(nil, body)
				if err != nil || !applied {
					t.Fatalf("Encode: applied %v, %v", applied, err)
				}
				if !bytes.Equal(got, want.Bytes()) {
					t.Fatalf("Encode gave %d bytes, compress/gzip at level %d gives %d", len(got), tt.gzip, want.Len())
				}
			})
		}
	}
}

// TestGzipPooledWriterAfterSkip checks a writer abandoned because its output
// grew too large works normally when the pool hands it out again.
func TestGzipPooledWriterAfterSkip(t *testing.T) {
	g := Gzip{Level: 3, MinSize: -1}
	for i := range 10 {
		if _, applied, err := g.Encode(nil, randomBody(8192+i)); applied || err != nil {
			t.Fatalf("random body: applied %v, %v", applied, err)
		}
		body := textBody(5000 + i)
		if got, applied := roundTrip(t, g, body, 0); !applied || !bytes.Equal(got, body) {
			t.Fatalf("text body after a skip: applied %v, equal %v", applied, bytes.Equal(got, body))
		}
	}
}

func TestGzipCorrupt(t *testing.T) {
	body := textBody(4096)
	good, _, err := Gzip{}.Encode(nil, body)
	if err != nil {
		t.Fatal(err)
	}
	n := len(good)
	// A second, valid gzip member after the first.
	second, _, _ := Gzip{}.Encode(nil, textBody(2000))
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"garbage", []byte("this is not a gzip stream at all")},
		{"magic only", good[:2]},
		{"header only", good[:10]},
		{"bad magic", flip(good, 0)},
		{"bad method", flip(good, 2)},
		{"flipped data byte", flip(good, 20)},
		{"flipped middle byte", flip(good, n/2)},
		{"bad crc", flip(good, n-8)},
		{"bad size", flip(good, n-1)},
		{"truncated in the data", good[:n/2]},
		{"truncated in the trailer", good[:n-3]},
		{"no trailer", good[:n-8]},
		{"trailing garbage", append(bytes.Clone(good), "junk"...)},
		{"trailing zero", append(bytes.Clone(good), 0)},
		{"second member", append(bytes.Clone(good), second...)},
		{"size off by one", func() []byte {
			c := bytes.Clone(good)
			binary.LittleEndian.PutUint32(c[n-4:], uint32(len(body)+1))
			return c
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Gzip{}.Decode(nil, tt.data, 0)
			if !errors.Is(err, wire.ErrIntegrity) {
				t.Fatalf("Decode = %d bytes, %v; want ErrIntegrity", len(out), err)
			}
		})
	}
}
