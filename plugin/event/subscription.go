package event

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// SubOption tunes a subscription; see [Priority], [Async], [QueueSize]
// and [OnFull].
type SubOption interface {
	apply(*subOptions)
}

type subOptions struct {
	prio      int
	async     bool
	queueSize int
	sizeSet   bool
	overflow  Overflow
	flowSet   bool
}

type subOption func(*subOptions)

func (f subOption) apply(o *subOptions) { f(o) }

// Priority sets the order in which the listener gets an event among the
// listeners of its topic: higher first. The default is 0; listeners of
// equal priority get the event in the order they subscribed. For an
// asynchronous listener it orders the queueing, not the handling, which
// happens in the listener's own goroutine.
func Priority(p int) SubOption { return subOption(func(o *subOptions) { o.prio = p }) }

// Async makes the listener asynchronous: Publish queues the event, and a
// goroutine of the subscription's own calls the listener with one event
// at a time, in the order they were queued. A slow or stuck listener
// therefore holds up only its own queue; what happens when that is full
// is the [Overflow] policy.
func Async() SubOption { return subOption(func(o *subOptions) { o.async = true }) }

// QueueSize sets the size of an asynchronous subscription's queue, instead
// of BusConfig.QueueSize. It must be positive, and is an error without
// Async.
func QueueSize(n int) SubOption {
	return subOption(func(o *subOptions) { o.queueSize, o.sizeSet = n, true })
}

// OnFull sets the overflow policy of an asynchronous subscription, instead
// of BusConfig.Overflow. It is an error without Async.
func OnFull(policy Overflow) SubOption {
	return subOption(func(o *subOptions) { o.overflow, o.flowSet = policy, true })
}

// closedBit marks a subscription's state as cancelled; the bits below it
// count the calls of its listener running.
const closedBit = 1 << 62

// item is one event in an asynchronous queue, with the context it was
// published with.
type item struct {
	ctx context.Context
	ev  Event
}

// Subscription is a listener subscribed to a pattern, from
// [Bus.Subscribe]. It is safe for concurrent use.
type Subscription struct {
	bus      *Bus
	pat      pattern
	fn       Listener
	prio     int
	seq      uint64
	async    bool
	overflow Overflow
	dropErr  error // the error Publish returns for an event dropped here

	queue chan item     // asynchronous only
	stop  chan struct{} // closed by Unsubscribe of an asynchronous subscription

	state    atomic.Int64 // closedBit | running calls
	done     chan struct{}
	doneOnce sync.Once
	dropped  atomic.Uint64
}

// Subscribe calls fn with every event whose topic matches pattern, until
// the subscription is cancelled or the bus closed. A pattern is a topic
// whose segments may be wildcards: "*" matches exactly one segment,
// "**" as the last segment matches one or more, and "**" (or "*") alone
// matches every topic. fn is synchronous unless the [Async] option is
// given. A subscription takes effect for the events published after
// Subscribe returns; Publish calls already running may not see it.
//
// Subscribe fails with an error wrapping ErrBadTopic when pattern is not
// well formed, ErrBadOption for a nil fn or bad options, and ErrClosed on
// a closed bus.
func (b *Bus) Subscribe(pattern string, fn Listener, opts ...SubOption) (*Subscription, error) {
	pat, err := parsePattern(pattern)
	if err != nil {
		return nil, err
	}
	if fn == nil {
		return nil, fmt.Errorf("%w: subscribe %q: nil listener", ErrBadOption, pattern)
	}
	o := subOptions{queueSize: b.cfg.QueueSize, overflow: b.cfg.Overflow}
	for _, opt := range opts {
		opt.apply(&o)
	}
	if err := o.check(pattern); err != nil {
		return nil, err
	}
	s := &Subscription{
		bus: b, pat: pat, fn: fn, prio: o.prio, async: o.async, overflow: o.overflow,
		done: make(chan struct{}),
		dropErr: fmt.Errorf("%w: the queue of the listener of %q is full (%d events)",
			ErrDropped, pattern, o.queueSize),
	}
	if s.async {
		s.queue = make(chan item, o.queueSize)
		s.stop = make(chan struct{})
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed.Load() {
		return nil, fmt.Errorf("%w: cannot subscribe %q", ErrClosed, pattern)
	}
	b.seq++
	s.seq = b.seq
	b.idx.Store(b.idx.Load().with(s))
	if s.async {
		go s.run()
	}
	return s, nil
}

func (o *subOptions) check(pattern string) error {
	var errs []error
	if !o.async && (o.sizeSet || o.flowSet) {
		errs = append(errs, fmt.Errorf("%w: subscribe %q: QueueSize and OnFull need Async", ErrBadOption, pattern))
	}
	if o.queueSize <= 0 {
		errs = append(errs, fmt.Errorf("%w: subscribe %q: queue size %d is not positive", ErrBadOption, pattern, o.queueSize))
	}
	if o.overflow != OverflowDrop && o.overflow != OverflowBlock {
		errs = append(errs, fmt.Errorf("%w: subscribe %q: %v is unknown", ErrBadOption, pattern, o.overflow))
	}
	return errors.Join(errs...)
}

// Pattern returns the pattern the subscription was made with.
func (s *Subscription) Pattern() string { return s.pat.raw }

// Dropped returns the number of events this subscription did not get
// because its queue was full (or Close gave up on it).
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Unsubscribe cancels the subscription. Once it has returned, no call of
// the listener begins: Publish calls running at the same time skip it,
// and an asynchronous subscription's goroutine discards the events still
// queued (they do not count as dropped) and ends. Unsubscribe does not
// wait for a call already running, so a listener may unsubscribe itself;
// wait on [Subscription.Done] to know that the listener is no longer
// running. Unsubscribe is idempotent.
func (s *Subscription) Unsubscribe() {
	old := s.state.Or(closedBit)
	if old&closedBit != 0 {
		return
	}
	b := s.bus
	b.mu.Lock()
	b.idx.Store(b.idx.Load().without(s))
	b.mu.Unlock()
	switch {
	case s.async:
		close(s.stop) // the goroutine closes done
	case old == 0:
		s.finish()
	}
}

// Done returns a channel that is closed once the subscription is cancelled
// (by Unsubscribe or Bus.Close) and its listener is not running: for an
// asynchronous subscription, once its goroutine has ended.
func (s *Subscription) Done() <-chan struct{} { return s.done }

func (s *Subscription) finish() { s.doneOnce.Do(func() { close(s.done) }) }

// enter registers a call of the listener about to begin; it fails once
// the subscription is cancelled.
func (s *Subscription) enter() bool {
	if s.state.Add(1)&closedBit != 0 {
		s.leave()
		return false
	}
	return true
}

// leave ends a call registered by enter. The last call to end after a
// synchronous subscription was cancelled closes done.
func (s *Subscription) leave() {
	if s.state.Add(-1) == closedBit && !s.async {
		s.finish()
	}
}

// call runs the listener once, recovering its panic. It returns nil
// without calling it when the subscription is cancelled.
func (s *Subscription) call(ctx context.Context, ev Event) (err error) {
	if !s.enter() {
		return nil
	}
	defer s.leave()
	defer func() {
		if p := recover(); p != nil {
			err = s.bus.panicked(s, &ev, p)
		}
	}()
	if err := s.fn(ctx, ev); err != nil {
		return s.bus.failed(s, &ev, err)
	}
	return nil
}

// offer queues ev if there is room, without waiting.
func (s *Subscription) offer(ctx context.Context, ev Event) bool {
	select {
	case s.queue <- item{ctx, ev}:
		return true
	default:
		return false
	}
}

// wait queues ev for an OverflowBlock subscription, waiting for room
// until ctx ends, the subscription is cancelled, or its goroutine has
// ended. It returns an error wrapping ErrDropped when it gives up.
func (s *Subscription) wait(ctx context.Context, ev Event) error {
	select {
	case s.queue <- item{ctx, ev}:
		return nil
	case <-s.stop:
		return nil // cancelled: the listener is not to get it
	case <-s.done:
		s.bus.drop(s)
		return fmt.Errorf("%w: the listener of %q has stopped, for %q", ErrDropped, s.pat.raw, ev.Topic)
	case <-ctx.Done():
		s.bus.drop(s)
		return fmt.Errorf("%w: the queue of the listener of %q stayed full, for %q: %w", ErrDropped, s.pat.raw, ev.Topic, ctx.Err())
	}
}

// run is the goroutine of an asynchronous subscription. It ends when the
// subscription is cancelled, or, once the bus is closing, when the queue
// is empty or Close gave up.
func (s *Subscription) run() {
	defer s.finish()
	b := s.bus
	for {
		if b.abandoned.Load() {
			n := s.discard()
			b.dropped.Add(n)
			s.dropped.Add(n)
			return
		}
		select {
		case it := <-s.queue:
			s.deliver(it)
		case <-s.stop:
			s.discard()
			return
		case <-b.closing:
			if len(s.queue) == 0 {
				return // drained
			}
		}
	}
}

// discard empties the queue and returns how many events it held.
func (s *Subscription) discard() uint64 {
	var n uint64
	for {
		select {
		case <-s.queue:
			n++
		default:
			return n
		}
	}
}

// deliver calls an asynchronous listener with a queued event and reports
// its error.
func (s *Subscription) deliver(it item) {
	b := s.bus
	err := s.call(b.listenerCtx(it.ctx), it.ev)
	if err == nil || errors.Is(err, ErrStop) {
		return
	}
	if h := b.cfg.OnAsyncError; h != nil {
		defer func() {
			if p := recover(); p != nil {
				b.log.Error("event: OnAsyncError panicked", "topic", it.ev.Topic, "panic", p)
			}
		}()
		h(it.ev, err)
		return
	}
	if !errors.Is(err, ErrListenerPanic) { // already logged
		b.log.Warn("event: listener failed", "topic", it.ev.Topic, "pattern", s.pat.raw, "err", err)
	}
}

// listenerCtx returns the context of an asynchronous listener: the values
// of the publisher's context, ending when the bus gives up on its
// listeners or has closed.
func (b *Bus) listenerCtx(pub context.Context) context.Context {
	if pub == nil || pub == context.Background() {
		return b.ctx
	}
	return &asyncCtx{Context: b.ctx, values: context.WithoutCancel(pub)}
}

// asyncCtx has the deadline and end of the bus's context and the values
// of a publisher's context.
type asyncCtx struct {
	context.Context // the bus's
	values          context.Context
}

// Value looks key up in the publisher's context first. That context is
// detached from its cancellation (context.WithoutCancel), so the
// context package finds the bus's cancellation below it.
func (c *asyncCtx) Value(key any) any {
	if v := c.values.Value(key); v != nil {
		return v
	}
	return c.Context.Value(key)
}
