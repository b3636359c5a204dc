package filter

import (
	"bytes"
	"compress/gzip"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

func TestDecodeLimit(t *testing.T) {
	a := newTestAESGCM(t)
	body := textBody(1000)
	tests := []struct {
		name  string
		f     wire.Filter
		limit int
		ok    bool
	}{
		{"gzip at the limit", Gzip{MinSize: -1}, 1000, true},
		{"gzip one over", Gzip{MinSize: -1}, 999, false},
		{"gzip far over", Gzip{MinSize: -1}, 10, false},
		{"gzip limit 1", Gzip{MinSize: -1}, 1, false},
		{"gzip zero means 4 MiB", Gzip{MinSize: -1}, 0, true},
		{"gzip negative means 4 MiB", Gzip{MinSize: -1}, -1, true},
		{"md5 at the limit", MD5{}, 1000, true},
		{"md5 one over", MD5{}, 999, false},
		{"md5 zero means 4 MiB", MD5{}, 0, true},
		{"aes-gcm at the limit", a, 1000, true},
		{"aes-gcm one over", a, 999, false},
		{"aes-gcm zero means 4 MiB", a, 0, true},
		{"aes-gcm negative means 4 MiB", a, -5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, applied, err := tt.f.Encode(nil, body)
			if err != nil || !applied {
				t.Fatalf("Encode: applied %v, %v", applied, err)
			}
			dst := []byte("dst")
			out, err := tt.f.Decode(dst, enc, tt.limit)
			if tt.ok {
				if err != nil || !bytes.Equal(out[len(dst):], body) {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			if !errors.Is(err, wire.ErrTooLarge) {
				t.Fatalf("Decode = %d bytes, %v; want ErrTooLarge", len(out), err)
			}
			if errors.Is(err, wire.ErrIntegrity) {
				t.Fatalf("error %v wraps ErrIntegrity as well", err)
			}
			if string(out) != "dst" {
				t.Fatalf("Decode returned %d bytes, not dst", len(out))
			}
		})
	}
}

// TestDefaultLimit checks a limit of zero is 4 MiB, not "no limit".
func TestDefaultLimit(t *testing.T) {
	body := make([]byte, 4<<20+1)
	filters := []wire.Filter{Gzip{}, MD5{}, newTestAESGCM(t)}
	for _, f := range filters {
		t.Run(f.Name(), func(t *testing.T) {
			enc, _, err := f.Encode(nil, body)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Decode(nil, enc, 0); !errors.Is(err, wire.ErrTooLarge) {
				t.Fatalf("Decode of 4 MiB + 1 with limit 0: %v; want ErrTooLarge", err)
			}
			if _, err := f.Decode(nil, enc, 4<<20+1); err != nil {
				t.Fatalf("Decode with a limit that fits: %v", err)
			}
		})
	}
}

// zeroBomb returns a gzip stream of size bytes of zeros, compressed in
// 1 MiB chunks so that the zeros are never in memory at once. 1 GiB makes
// a stream of about 1.3 MB.
func zeroBomb(t testing.TB, size int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // fastest, and the ratio is close to best
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for range size / len(chunk) {
		if _, err := zw.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGzipZipBomb decodes 1 GiB of compressed zeros with a 4 MiB limit: it
// must fail with ErrTooLarge having allocated a few times the limit, not
// the expanded size.
func TestGzipZipBomb(t *testing.T) {
	// Building the bomb takes about a second. The race detector makes that
	// 17 seconds, so there a quarter of it, still 64 times the limit, has
	// to do.
	size := 1 << 30
	if raceEnabled {
		size = 256 << 20
	}
	start := time.Now()
	bomb := zeroBomb(t, size)
	t.Logf("%d MiB of zeros compress to %d bytes in %v", size>>20, len(bomb), time.Since(start))

	const limit = 4 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	out, err := Gzip{}.Decode(nil, bomb, limit)
	runtime.ReadMemStats(&after)

	if !errors.Is(err, wire.ErrTooLarge) {
		t.Fatalf("Decode = %d bytes, %v; want ErrTooLarge", len(out), err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("Decode allocated %d bytes (%.1f MiB) for a %d-byte limit", alloc, float64(alloc)/(1<<20), limit)
	if alloc >= 64<<20 {
		t.Fatalf("Decode allocated %d bytes; want far less than the %d MiB the bomb expands to", alloc, size>>20)
	}
}
