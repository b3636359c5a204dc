package backoff

import (
	"testing"
	"time"
)

func TestDelayGrowsAndCaps(t *testing.T) {
	p := Policy{Min: 100 * time.Millisecond, Max: time.Second, Multiplier: 2}
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range want {
		if got := p.Delay(i + 1); got != w*time.Millisecond {
			t.Errorf("Delay(%d) = %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
	if got := p.Delay(10000); got != time.Second {
		t.Errorf("Delay(10000) = %v, want the cap", got)
	}
}

func TestJitterStaysInBounds(t *testing.T) {
	p := Policy{Min: time.Second, Max: time.Second, Multiplier: 2, Jitter: 0.2}
	seen := map[time.Duration]bool{}
	for range 1000 {
		d := p.Delay(3)
		if d < 800*time.Millisecond || d > 1200*time.Millisecond {
			t.Fatalf("Delay = %v, outside ±20%% of 1s", d)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Fatalf("jitter produced only %d distinct delays", len(seen))
	}
}
