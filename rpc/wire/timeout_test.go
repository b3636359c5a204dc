package wire

import (
	"math"
	"testing"
	"time"
)

func TestTimeoutMicros(t *testing.T) {
	tests := []struct {
		d    time.Duration
		us   uint64
		back time.Duration // what the receiver sees
	}{
		{time.Nanosecond, 1, time.Microsecond},
		{time.Microsecond, 1, time.Microsecond},
		{1001, 2, 2 * time.Microsecond},
		{2 * time.Second, 2000000, 2 * time.Second},
		{-time.Hour, 1, time.Microsecond}, // already passed
		{math.MaxInt64, math.MaxInt64/1000 + 1, math.MaxInt64},
	}
	for _, tt := range tests {
		us := TimeoutToMicros(tt.d)
		if us != tt.us {
			t.Errorf("TimeoutToMicros(%v) = %d, want %d", tt.d, us, tt.us)
		}
		if back := TimeoutFromMicros(us); back != tt.back {
			t.Errorf("TimeoutFromMicros(%d) = %v, want %v", us, back, tt.back)
		}
	}
	if d := TimeoutFromMicros(0); d != 0 {
		t.Errorf("TimeoutFromMicros(0) = %v, want 0", d)
	}
	if d := TimeoutFromMicros(math.MaxUint64); d != math.MaxInt64 {
		t.Errorf("TimeoutFromMicros(MaxUint64) = %v, want the largest Duration", d)
	}
}
