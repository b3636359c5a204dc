package wire

import (
	"math"
	"time"
)

// TimeoutToMicros returns the whole microseconds that a format puts on the
// wire for the non-zero timeout d of a message: d rounded up, so that the
// receiver never sees a shorter deadline than the sender has, and 1 for a
// deadline that has already passed (d < 0). Every format carries
// [Message.Timeout] this way, with zero meaning no deadline.
func TimeoutToMicros(d time.Duration) uint64 {
	if d <= 0 {
		return 1
	}
	us := uint64(d / time.Microsecond)
	if d%time.Microsecond != 0 {
		us++
	}
	return us
}

// TimeoutFromMicros returns the timeout of us microseconds read from the
// wire: zero for 0 (no deadline), and the largest time.Duration (about
// 292 years, no practical deadline) for a count beyond it.
func TimeoutFromMicros(us uint64) time.Duration {
	if us > math.MaxInt64/uint64(time.Microsecond) {
		return math.MaxInt64
	}
	return time.Duration(us) * time.Microsecond
}
