package loadgen

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Options say how Run loads the system.
type Options struct {
	// Callers is the number of goroutines calling at once (default 1).
	Callers int
	// Warmup is how long the callers call before the measured window
	// (connection windows, pools, the CPU's clock); Duration is the
	// window's length (default 5 s).
	Warmup, Duration time.Duration
	// Rate, when above zero, is the number of calls per second the callers
	// start together, each at its share; a call that starts late counts its
	// latency from when it was due. Zero: closed loop, each caller calls
	// again as soon as its call returns.
	Rate float64
	// Calls, when above zero, ends the window once that many calls have
	// completed in it, or when Duration passes if that comes first.
	Calls int64
	// Window, when set, is called as the measured window starts and ends,
	// from Run's goroutine: the place to read the usage of the processes.
	Window func(start bool)
}

// CallFunc makes one call as caller number caller (0 to Callers-1).
type CallFunc func(ctx context.Context, caller int) error

// phases of a run.
const (
	warming int32 = iota
	measuring
	stopping
)

// Run calls call from opts.Callers goroutines until the window has passed,
// and returns what was measured in the window: the calls that started in
// it. It stops early, with ctx's error, if ctx ends.
func Run(ctx context.Context, opts Options, call CallFunc) (Result, error) {
	callers := max(opts.Callers, 1)
	window := opts.Duration
	if window <= 0 {
		window = 5 * time.Second
	}
	if opts.Calls > 0 && opts.Duration <= 0 {
		window = time.Hour
	}
	var phase atomic.Int32
	var done atomic.Int64         // calls completed in the window
	enough := make(chan struct{}) // closed when Calls calls are done
	var enoughOnce sync.Once
	type tally struct {
		h      Histogram
		errors int64
		first  error
	}
	tallies := make([]tally, callers)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := &tallies[c]
			var period time.Duration
			if opts.Rate > 0 {
				period = time.Duration(float64(callers) / opts.Rate * float64(time.Second))
			}
			// Callers start spread over one period, not all at once.
			due := start.Add(period * time.Duration(c) / time.Duration(callers))
			for {
				p := phase.Load()
				if p == stopping || ctx.Err() != nil {
					return
				}
				begin := time.Now()
				if period > 0 {
					if wait := due.Sub(begin); wait > 0 {
						time.Sleep(wait)
					}
					begin = due // latency counts from when the call was due
					due = due.Add(period)
				}
				err := call(ctx, c)
				if p != measuring {
					continue
				}
				if err != nil {
					t.errors++
					if t.first == nil {
						t.first = err
					}
					continue
				}
				elapsed := time.Since(begin)
				if opts.Calls > 0 {
					n := done.Add(1)
					if n > opts.Calls {
						continue // finished after the window's last call
					}
					if n == opts.Calls {
						enoughOnce.Do(func() { close(enough) })
					}
				}
				t.h.Record(elapsed)
			}
		}()
	}
	var measured time.Duration
	sleep := func(d time.Duration, early <-chan struct{}) bool {
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-timer.C:
			return true
		case <-early:
			return true
		case <-ctx.Done():
			return false
		}
	}
	ok := sleep(opts.Warmup, nil)
	if ok {
		if opts.Window != nil {
			opts.Window(true)
		}
		phase.Store(measuring)
		t0 := time.Now()
		ok = sleep(window, enough)
		phase.Store(stopping)
		measured = time.Since(t0)
		if opts.Window != nil {
			opts.Window(false)
		}
	}
	phase.Store(stopping)
	wg.Wait()
	if !ok {
		return Result{}, ctx.Err()
	}
	r := Result{Callers: callers, Elapsed: measured, ClosedLoop: opts.Rate <= 0}
	var h Histogram
	var firstErr error
	for i := range tallies {
		h.Merge(&tallies[i].h)
		r.Errors += tallies[i].errors
		if firstErr == nil {
			firstErr = tallies[i].first
		}
	}
	r.fill(&h)
	if firstErr != nil {
		r.FirstError = firstErr.Error()
	}
	if r.Calls == 0 {
		return r, errors.Join(errors.New("loadgen: no call completed in the window"), firstErr)
	}
	return r, nil
}
