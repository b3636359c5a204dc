package wire

import (
	"errors"
	"sync/atomic"
)

// ErrOverBudget reports a frame that would take more memory than its
// [Budget] has left. A framer refuses such a frame as it refuses one over
// the size limit: it skips the frame's bytes and returns a *[MessageError]
// wrapping ErrOverBudget with Code [CodeOverloaded], so that a call is
// answered and the stream stays in step.
var ErrOverBudget = errors.New("wire: memory budget exhausted")

// Budget bounds the bytes that frames hold at once across many
// connections: an endpoint gives one Budget to every framer it makes
// (Options.Budget), each frame reserves its buffer's size before the
// buffer is allocated ([Message.Reserve]), and the reservation is given
// back when the message's buffer is ([Message.Release]). A burst of large
// frames, or of small ones that inflate, then costs the budget's worth of
// memory at most, however many peers send them.
//
// A Budget is safe for concurrent use. A nil *Budget has no limit.
type Budget struct {
	limit int64
	used  atomic.Int64
}

// NewBudget returns a Budget of limit bytes; limit <= 0 means no limit,
// with the use still counted.
func NewBudget(limit int64) *Budget { return &Budget{limit: limit} }

// TryReserve reserves n bytes, or reports false without reserving any when
// fewer are left.
func (b *Budget) TryReserve(n int64) bool {
	if b == nil || n <= 0 {
		return true
	}
	if u := b.used.Add(n); b.limit > 0 && u > b.limit {
		b.used.Add(-n)
		return false
	}
	return true
}

// Release gives back n bytes reserved with TryReserve.
func (b *Budget) Release(n int64) {
	if b != nil && n > 0 {
		b.used.Add(-n)
	}
}

// Used returns the bytes reserved now.
func (b *Budget) Used() int64 {
	if b == nil {
		return 0
	}
	return b.used.Load()
}

// Limit returns the budget's size; zero or less means no limit.
func (b *Budget) Limit() int64 {
	if b == nil {
		return 0
	}
	return b.limit
}
