package rotate

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// benchLine is a line of 100 bytes.
var benchLine = append(bytes.Repeat([]byte("x"), 99), '\n')

// BenchmarkWrite writes 100-byte lines into a File that rotates every MiB
// and keeps two backups, so the rotations are in the cost.
func BenchmarkWrite(b *testing.B) {
	f := open(b, Config{MaxBytes: 1 << 20, Backups: 2})
	b.ReportAllocs()
	b.SetBytes(int64(len(benchLine)))
	for b.Loop() {
		if _, err := f.Write(benchLine); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteParallel is BenchmarkWrite from GOMAXPROCS goroutines.
func BenchmarkWriteParallel(b *testing.B) {
	f := open(b, Config{MaxBytes: 1 << 20, Backups: 2})
	b.ReportAllocs()
	b.SetBytes(int64(len(benchLine)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := f.Write(benchLine); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkWriteFollowed is BenchmarkWrite with one follower copying to
// io.Discard.
func BenchmarkWriteFollowed(b *testing.B) {
	f := open(b, Config{MaxBytes: 1 << 20, Backups: 2, FollowBuffer: 1 << 20})
	ctx, cancel := context.WithCancel(context.Background())
	res := follow(ctx, f, io.Discard)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchLine)))
	for b.Loop() {
		if _, err := f.Write(benchLine); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cancel()
	<-res
}

// BenchmarkWriteOSFile is the baseline: the same lines written straight to
// an *os.File opened for appending, one write(2) each, as File does.
func BenchmarkWriteOSFile(b *testing.B) {
	fd, err := os.OpenFile(filepath.Join(b.TempDir(), "app.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	defer fd.Close()
	b.ReportAllocs()
	b.SetBytes(int64(len(benchLine)))
	for b.Loop() {
		if _, err := fd.Write(benchLine); err != nil {
			b.Fatal(err)
		}
	}
}
