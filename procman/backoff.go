package procman

import (
	"math"
	"math/rand/v2"
	"time"
)

// delay returns the wait before retry n (from 1) of a failed start.
func (b Backoff) delay(n int) time.Duration {
	if b.Linear {
		return time.Duration(n) * b.Min // supervisord: n seconds before retry n
	}
	d := float64(b.Min) * math.Pow(b.Multiplier, float64(n-1))
	if d > float64(b.Max) || math.IsInf(d, 0) || math.IsNaN(d) {
		d = float64(b.Max)
	}
	if b.Jitter > 0 {
		d += d * b.Jitter * (2*rand.Float64() - 1)
	}
	return time.Duration(max(d, 0))
}

// restartDelay returns the wait before restart n (from 1) of a process
// that keeps exiting from RUNNING before it has run ResetAfter: none for
// the first, as supervisord restarts at once, then the back-off, so that a
// process that crashes soon after each start does not loop hot.
func (b Backoff) restartDelay(n int) time.Duration {
	if n <= 1 {
		return 0
	}
	return b.delay(n - 1)
}
