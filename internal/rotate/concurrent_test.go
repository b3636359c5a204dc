package rotate

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

// checkLines fails the test unless b is whole lines written by floodLine.
func checkLines(t *testing.T, what string, b []byte) {
	t.Helper()
	if len(b) > 0 && b[len(b)-1] != '\n' {
		t.Errorf("%s ends inside a line: %q", what, abbrev(b))
		return
	}
	for line := range strings.Lines(string(b)) {
		if _, _, err := parseFloodLine(strings.TrimSuffix(line, "\n")); err != nil {
			t.Errorf("%s: %v", what, err)
			return
		}
	}
}

// TestConcurrentUse writes, rotates, reads and follows at once, for the
// race detector, and checks that every reader sees whole lines.
func TestConcurrentUse(t *testing.T) {
	const (
		writers = 4
		lines   = 2000
	)
	f := open(t, Config{MaxBytes: 8 << 10, Backups: 2, FollowBuffer: 4 << 10})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})

	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			var off int64
			for {
				select {
				case <-done:
					return
				default:
				}
				all, err := f.Read(0, 0)
				if err != nil {
					t.Error(err)
					return
				}
				checkLines(t, "Read(0, 0)", all)
				if tail, err := f.Tail(300); err != nil || len(tail) > 300 {
					t.Errorf("Tail(300) = %d bytes, %v", len(tail), err)
				}
				data, next, _, err := f.TailFrom(off, 500)
				if err != nil || len(data) > 500 || next < 0 {
					t.Errorf("TailFrom(%d, 500) = %d bytes, %d, %v", off, len(data), next, err)
				}
				off = next
				_ = f.Size()
			}
		})
		readers.Go(func() {
			// A follower that starts again whenever it falls behind.
			for {
				var got syncBuffer
				err := f.Follow(ctx, &got)
				checkLines(t, "Follow", got.Bytes())
				if !errors.Is(err, ErrLagged) {
					if err != nil && !errors.Is(err, context.Canceled) {
						t.Error(err)
					}
					return
				}
			}
		})
	}

	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for seq := range lines {
				if _, err := f.Write([]byte(floodLine(g, seq))); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	cancel()
	readers.Wait()
}
