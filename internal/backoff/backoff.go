// Package backoff computes exponential retry delays with jitter and a cap.
package backoff

import (
	"math"
	"math/rand/v2"
	"time"
)

// Policy is an exponential back-off: the n-th retry (n from 1) waits
// Min·Multiplier^(n-1), capped at Max, then moved at random by up to
// ±Jitter of itself so that many clients do not retry in step.
type Policy struct {
	Min        time.Duration
	Max        time.Duration
	Multiplier float64
	Jitter     float64 // 0..1
}

// Delay returns the wait before retry n (n >= 1).
func (p Policy) Delay(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	d := float64(p.Min) * math.Pow(p.Multiplier, float64(n-1))
	if d > float64(p.Max) || math.IsInf(d, 0) || math.IsNaN(d) {
		d = float64(p.Max)
	}
	if p.Jitter > 0 {
		d += d * p.Jitter * (2*rand.Float64() - 1)
	}
	if d < 0 {
		d = 0
	}
	return time.Duration(d)
}
