package filter

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// TestAllocs pins the allocations of Encode and Decode into buffers with
// room. MD5 and AES-GCM never allocate, nor does Gzip's Encode with warmed
// pools. Gzip's Decode does, inside compress/flate: each dynamic Huffman
// block makes small link tables for its codes longer than 9 bits, 9 or 10
// allocations (under 300 bytes) for this 4 KiB body.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops compressors at random under the race detector")
	}
	body := textBody(4 << 10)
	tests := []struct {
		name   string
		f      wire.Filter
		encode float64
		decode float64
	}{
		{"md5", MD5{}, 0, 0},
		{"gzip", Gzip{}, 0, 12},
		{"gzip best speed", Gzip{Level: 1}, 0, 12},
		{"aes-gcm", newTestAESGCM(t), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, applied, err := tt.f.Encode(nil, body)
			if err != nil || !applied {
				t.Fatalf("Encode: applied %v, %v", applied, err)
			}
			if _, err := tt.f.Decode(nil, enc, 0); err != nil { // warm the pools
				t.Fatal(err)
			}
			buf := make([]byte, 0, 2*len(body))
			allocs := testing.AllocsPerRun(200, func() {
				if _, _, err := tt.f.Encode(buf[:0], body); err != nil {
					t.Fatal(err)
				}
			})
			if allocs > tt.encode {
				t.Errorf("Encode allocated %v times per run, want at most %v", allocs, tt.encode)
			}
			allocs = testing.AllocsPerRun(200, func() {
				if _, err := tt.f.Decode(buf[:0], enc, 0); err != nil {
					t.Fatal(err)
				}
			})
			if allocs > tt.decode {
				t.Errorf("Decode allocated %v times per run, want at most %v", allocs, tt.decode)
			}
		})
	}
}
