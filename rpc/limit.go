package rpc

import (
	"context"
	"sync/atomic"
)

// limiter bounds the handlers running at once and the messages waiting for
// one of those slots. A nil limiter admits everything.
//
// The policy: a message is admitted while running+waiting is below
// max+queue; an admitted message waits (in its own goroutine, until its
// context ends) for a running slot. A message that is not admitted is
// answered with CodeOverloaded at once, so a flood costs neither memory nor
// goroutines beyond the two caps.
type limiter struct {
	max, queue int64
	admitted   atomic.Int64
	slots      chan struct{}
}

func newLimiter(max, queue int) *limiter {
	if max < 0 {
		return nil
	}
	if queue < 0 {
		queue = 1 << 30
	}
	return &limiter{max: int64(max), queue: int64(queue), slots: make(chan struct{}, max)}
}

// admit reserves a place, running or waiting, or reports false.
func (l *limiter) admit() bool {
	if l == nil {
		return true
	}
	if l.admitted.Add(1) > l.max+l.queue {
		l.admitted.Add(-1)
		return false
	}
	return true
}

// unadmit gives back a place that never acquired a slot.
func (l *limiter) unadmit() {
	if l != nil {
		l.admitted.Add(-1)
	}
}

// acquire waits for a running slot, or for ctx to end.
func (l *limiter) acquire(ctx context.Context) error {
	if l.tryAcquire() {
		return nil
	}
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// tryAcquire takes a running slot if one is free now.
func (l *limiter) tryAcquire() bool {
	if l == nil {
		return true
	}
	select {
	case l.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// unacquire gives back a running slot, keeping the place.
func (l *limiter) unacquire() {
	if l != nil {
		<-l.slots
	}
}

// release frees a running slot and the place.
func (l *limiter) release() {
	if l == nil {
		return
	}
	<-l.slots
	l.admitted.Add(-1)
}
