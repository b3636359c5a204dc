package rotate

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// Follow writes to w every byte written to the File from the moment it is
// called, as written and across rotations, until ctx ends, the File is
// closed, or w fails: it is `tail -f` without touching the disk. It does
// not read what was written before it was called; use [File.Tail] first
// for that. Follow blocks; it wakes on each Write, never polls, and calls
// w.Write from the goroutine that called Follow, never from a writer's.
//
// Each Follow holds at most [Config.FollowBuffer] bytes (64 KiB by
// default) that it has not yet handed to w, besides the batch that w is
// writing (or one Write bigger than the buffer, taken whole if the buffer
// is empty), so a slow w never blocks writers nor grows memory without
// bound. When a Write does not fit, the follower drops it and everything
// after it: it writes to w what it holds, which is an exact, gapless
// continuation of what w had before, and then returns an error wrapping
// [ErrLagged] that says how many bytes it dropped. A caller that wants to
// go on calls [File.Tail] and Follow again, knowing it missed bytes.
//
// Follow returns ctx.Err() when ctx ends (checked between writes to w: a
// w.Write that blocks cannot be interrupted, so give a network writer a
// deadline), nil once it has written everything written before the File
// was closed, or w's error. Called on a closed File it returns an error
// wrapping [os.ErrClosed]. Any number of Follow calls may run at once.
func (f *File) Follow(ctx context.Context, w io.Writer) error {
	return f.TailFollow(ctx, w, 0)
}

// TailFollow is `tail -c n -f`: it writes to w the last n bytes of the
// current file (fewer if it is shorter), then follows as [File.Follow]
// does. The two join exactly: no byte written meanwhile is lost or written
// twice, which calling [File.Read] and then Follow cannot promise.
func (f *File) TailFollow(ctx context.Context, w io.Writer, n int64) error {
	fl := &follower{limit: f.followBuf, wake: make(chan struct{}, 1)}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return f.errClosed("follow")
	}
	var head []byte
	if n > 0 {
		var err error
		if head, err = f.readRange(max(f.size-n, 0), f.size); err != nil {
			f.mu.Unlock()
			return err
		}
	}
	f.followers = append(f.followers, fl)
	hook := f.onFollow
	f.mu.Unlock()
	defer f.unfollow(fl)
	if hook != nil {
		hook()
	}
	if len(head) > 0 {
		if _, err := w.Write(head); err != nil {
			return fmt.Errorf("rotate: follow %s: %w", f.path, err)
		}
	}

	var spare []byte
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, dropped, done := fl.take(spare)
		if len(data) > 0 {
			if _, err := w.Write(data); err != nil {
				return fmt.Errorf("rotate: follow %s: %w", f.path, err)
			}
		}
		spare = data
		if cap(spare) > 2*fl.limit {
			spare = nil // one big Write: do not keep its buffer
		}
		switch {
		case dropped > 0:
			return fmt.Errorf("%w: %d bytes dropped", ErrLagged, dropped)
		case done:
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-fl.wake:
		}
	}
}

// unfollow removes fl from the File's followers.
func (f *File) unfollow(fl *follower) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, x := range f.followers {
		if x == fl {
			last := len(f.followers) - 1
			f.followers[i] = f.followers[last]
			f.followers[last] = nil
			f.followers = f.followers[:last]
			return
		}
	}
}

// follower is the state of one Follow call that writers share with it.
type follower struct {
	// limit is the most bytes buf may hold, unless it holds one Write.
	limit int
	// wake has room for one token; writers and Close put one in without
	// blocking, and Follow waits on it when it has nothing to write.
	wake chan struct{}

	mu sync.Mutex
	// buf holds the bytes written that Follow has not taken yet.
	buf []byte
	// dropped counts the bytes written since buf last overflowed; once it
	// is not zero, buf takes nothing more.
	dropped int64
	// closed is set when the File closes.
	closed bool
}

// push appends p to fl's backlog, or drops it if it does not fit, and
// wakes Follow. It never blocks on Follow. The caller holds the File's lock.
func (fl *follower) push(p []byte) {
	fl.mu.Lock()
	if fl.dropped > 0 || len(fl.buf) > 0 && len(fl.buf)+len(p) > fl.limit {
		fl.dropped += int64(len(p))
	} else {
		fl.buf = append(fl.buf, p...)
	}
	fl.mu.Unlock()
	fl.signal()
}

// close marks the File closed and wakes Follow.
func (fl *follower) close() {
	fl.mu.Lock()
	fl.closed = true
	fl.mu.Unlock()
	fl.signal()
}

// signal wakes Follow if it is not already due to wake.
func (fl *follower) signal() {
	select {
	case fl.wake <- struct{}{}:
	default:
	}
}

// take hands the backlog to Follow, leaving spare (emptied) to fill in its
// place, so that the two buffers alternate without allocating.
func (fl *follower) take(spare []byte) (data []byte, dropped int64, closed bool) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	data, fl.buf = fl.buf, spare[:0]
	return data, fl.dropped, fl.closed
}
