package loadgen

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// TestRunClosedLoop counts the calls of the window only, and their errors.
func TestRunClosedLoop(t *testing.T) {
	var n atomic.Int64
	var windows []bool
	r, err := Run(context.Background(), Options{Callers: 4, Warmup: 20 * time.Millisecond, Duration: 100 * time.Millisecond,
		Window: func(start bool) { windows = append(windows, start) }},
		func(ctx context.Context, caller int) error {
			time.Sleep(time.Millisecond)
			if n.Add(1)%10 == 0 {
				return errors.New("every tenth fails")
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if r.Calls == 0 || r.Errors == 0 || r.FirstError != "every tenth fails" || !r.ClosedLoop || r.Callers != 4 {
		t.Fatalf("%+v", r)
	}
	if r.Calls+r.Errors >= n.Load() {
		t.Fatalf("%d calls and %d errors counted of %d made: the warm-up was counted", r.Calls, r.Errors, n.Load())
	}
	if len(windows) != 2 || !windows[0] || windows[1] {
		t.Fatalf("window callbacks %v", windows)
	}
	if r.P50 < time.Millisecond || r.Mean < time.Millisecond {
		t.Fatalf("a 1 ms call measured p50 %v mean %v", r.P50, r.Mean)
	}
}

// TestRunAtRateCountsFromDue: at a fixed rate, a call stuck behind a slow
// one counts its latency from when it was due (coordinated omission).
func TestRunAtRateCountsFromDue(t *testing.T) {
	var n atomic.Int64
	r, err := Run(context.Background(), Options{Callers: 1, Rate: 1000, Duration: 200 * time.Millisecond},
		func(ctx context.Context, caller int) error {
			if n.Add(1) == 50 {
				time.Sleep(50 * time.Millisecond) // one stall: ~50 calls become due meanwhile
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	// Without the correction only one call would be slow; with it, the
	// calls due during the stall wait too.
	if r.P99 < 5*time.Millisecond {
		t.Fatalf("p99 %v: the stall's queue was not counted", r.P99)
	}
	if r.ClosedLoop {
		t.Fatal("a rated run reports a closed loop")
	}
}

func TestRunCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, Options{Duration: time.Second}, func(context.Context, int) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("%v", err)
	}
}

// TestRunCalls ends the window after a number of calls.
func TestRunCalls(t *testing.T) {
	r, err := Run(context.Background(), Options{Callers: 2, Calls: 500}, func(context.Context, int) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if r.Calls != 500 {
		t.Fatalf("%d calls, want 500", r.Calls)
	}
}
