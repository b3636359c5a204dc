package filter

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// benchFilters are the filters benchmarked, Gzip with its threshold off so
// that it compresses the 581-byte body too.
func benchFilters(b *testing.B) []wire.Filter {
	a, err := NewAESGCM(testKey)
	if err != nil {
		b.Fatal(err)
	}
	return []wire.Filter{Gzip{MinSize: -1}, MD5{}, a}
}

// benchSizes are the body sizes benchmarked: the size of the rpc call
// benchmark's body and a large one.
var benchSizes = []struct {
	name string
	size int
}{
	{"581B", 581},
	{"64KiB", 64 << 10},
}

func BenchmarkEncode(b *testing.B) {
	for _, f := range benchFilters(b) {
		for _, s := range benchSizes {
			b.Run(f.Name()+"/"+s.name, func(b *testing.B) {
				body := textBody(s.size)
				buf := make([]byte, 0, 2*s.size+64)
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					out, applied, err := f.Encode(buf[:0], body)
					if err != nil || !applied {
						b.Fatalf("Encode: applied %v, %v", applied, err)
					}
					buf = out
				}
			})
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, f := range benchFilters(b) {
		for _, s := range benchSizes {
			b.Run(f.Name()+"/"+s.name, func(b *testing.B) {
				body := textBody(s.size)
				enc, applied, err := f.Encode(nil, body)
				if err != nil || !applied {
					b.Fatalf("Encode: applied %v, %v", applied, err)
				}
				buf := make([]byte, 0, s.size)
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					if buf, err = f.Decode(buf[:0], enc, 0); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
