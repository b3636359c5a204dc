package event

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultQueueSize is the number of events an asynchronous subscription's
// queue holds when BusConfig.QueueSize is zero.
const DefaultQueueSize = 1024

// Event is what a bus carries. Topic says what happened; Data holds the
// details, whose type the topic implies (the rpc topics of this package
// carry a [SessionEvent], [CallEvent], [PushEvent] or [DialEvent]).
type Event struct {
	// Topic is a dot-separated name such as "rpc.call.served".
	Topic string
	// Time is when it happened. Publish sets it to the current time when
	// it is zero and some listener will get the event.
	Time time.Time
	// Data is the event's payload. Listeners get the same value, possibly
	// at the same time in several goroutines: they must not change it.
	Data any
}

// Listener handles an event. ctx is the publisher's context for a
// synchronous listener; for an asynchronous one it carries the
// publisher's values but not its cancellation, and ends when the bus is
// closed (see [Bus.Close]). A synchronous listener's error is returned by
// Publish; an asynchronous one's goes to BusConfig.OnAsyncError.
type Listener func(ctx context.Context, ev Event) error

// Overflow says what Publish does when an asynchronous subscription's
// queue is full.
type Overflow int

const (
	// OverflowDrop, the default, drops the event for that subscription,
	// counts it (Stats.Dropped, Subscription.Dropped), and goes on at
	// once: Publish never waits for a slow listener. Publish's error then
	// wraps ErrDropped.
	OverflowDrop Overflow = iota
	// OverflowBlock makes Publish wait for room in the queue, after it
	// has served every other listener, until the publisher's context
	// ends, the subscription is cancelled, or the bus gives up on the
	// listener at Close. An event it gives up on is dropped and counted as
	// with OverflowDrop. Use it for listeners that must see every event
	// and that keep up; a stuck one holds up every publisher of its
	// topics for as long as their contexts allow.
	OverflowBlock
)

// String returns "drop" or "block".
func (o Overflow) String() string {
	switch o {
	case OverflowDrop:
		return "drop"
	case OverflowBlock:
		return "block"
	}
	return fmt.Sprintf("overflow(%d)", int(o))
}

// BusConfig sets up a [Bus]. The zero value works.
type BusConfig struct {
	// QueueSize is the number of events each asynchronous subscription
	// can hold before its listener takes them. Zero means
	// DefaultQueueSize (1024); [QueueSize] sets it per subscription.
	QueueSize int
	// Overflow is what Publish does when such a queue is full. The zero
	// value is OverflowDrop; [OnFull] sets it per subscription.
	Overflow Overflow
	// Logger receives the panics of listeners (Error, with the stack) and
	// the errors of asynchronous listeners when OnAsyncError is nil
	// (Warn). Nil means no logging; the Stats count them all the same.
	Logger *slog.Logger
	// OnAsyncError, when set, is called with every error (or recovered
	// panic, wrapping ErrListenerPanic) of an asynchronous listener, in
	// that listener's goroutine, instead of the Warn log line. A listener
	// that returns ErrStop does not count as failing.
	OnAsyncError func(ev Event, err error)
}

// Validate reports a negative QueueSize or an unknown Overflow, wrapping
// ErrBadOption.
func (c BusConfig) Validate() error {
	var errs []error
	if c.QueueSize < 0 {
		errs = append(errs, fmt.Errorf("%w: BusConfig.QueueSize %d is negative", ErrBadOption, c.QueueSize))
	}
	if c.Overflow != OverflowDrop && c.Overflow != OverflowBlock {
		errs = append(errs, fmt.Errorf("%w: BusConfig.Overflow %v is unknown", ErrBadOption, c.Overflow))
	}
	return errors.Join(errs...)
}

// Stats are a bus's counters, from [Bus.Stats].
type Stats struct {
	// Subscriptions is the number of subscriptions in force.
	Subscriptions int
	// Queued is the number of events waiting in asynchronous queues.
	Queued int
	// Dropped counts the events an asynchronous subscription did not
	// get: its queue was full, or Close gave up on it with events queued.
	Dropped uint64
	// Errors counts the errors listeners returned (ErrStop aside).
	Errors uint64
	// Panics counts the panics of listeners, recovered.
	Panics uint64
}

// Bus delivers events to the listeners subscribed to their topics: the
// synchronous ones in the publisher's goroutine, the asynchronous ones each
// in a goroutine of its own, fed by a bounded queue. Make one with
// [NewBus]; the zero Bus is not usable. A Bus is safe for concurrent use.
type Bus struct {
	cfg BusConfig
	log *slog.Logger

	idx atomic.Pointer[index]
	mu  sync.Mutex // serialises changes of idx
	seq uint64     // the order of subscription; guarded by mu

	closed    atomic.Bool
	closing   chan struct{}   // closed by Close
	lingering []*Subscription // the listeners Close gave up on; guarded by mu
	abandoned atomic.Bool     // Close gave up waiting: asynchronous queues are discarded
	ctx       context.Context
	cancel    context.CancelFunc

	dropped, errors, panics atomic.Uint64
}

// NewBus returns a bus configured by cfg. It fails only when cfg does not
// validate. Close it to stop its goroutines.
func NewBus(cfg BusConfig) (*Bus, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.QueueSize == 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	b := &Bus{cfg: cfg, log: cfg.Logger, closing: make(chan struct{})}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.idx.Store(&index{})
	return b, nil
}

// HasSubscribers reports whether an event of topic would reach some
// listener now. It does not allocate, so a publisher can skip building an
// event nobody listens to. It is false for an invalid topic and on a
// closed bus.
func (b *Bus) HasSubscribers(topic string) bool {
	if b.closed.Load() || !validTopic(topic) {
		return false
	}
	m := b.idx.Load().matches(topic)
	return m.any()
}

// Publish delivers ev to the listeners whose pattern matches ev.Topic, in
// order of priority (higher first; equal priorities in the order they
// subscribed). A synchronous listener runs in the caller's goroutine with
// ctx; an asynchronous one gets the event queued. Publish returns when
// every synchronous listener has returned and the event is queued for, or
// dropped by, every asynchronous one. An event nobody listens to costs a
// few map lookups and no allocation.
//
// A listener's error, or its panic (recovered, wrapping
// ErrListenerPanic), does not keep the event from the listeners after it:
// Publish returns all of them joined, each naming the topic and the
// listener's pattern. A listener that returns ErrStop stops the event
// there. A full queue adds an error wrapping ErrDropped for that listener
// (see [Overflow]). ctx bounds only the waits of OverflowBlock; Publish
// serves the listeners even when ctx has ended.
//
// A topic that is not well formed gives an error wrapping ErrBadTopic; a
// closed bus, one wrapping ErrClosed.
func (b *Bus) Publish(ctx context.Context, ev Event) error {
	if b.closed.Load() {
		return fmt.Errorf("%w: cannot publish %q", ErrClosed, ev.Topic)
	}
	if !validTopic(ev.Topic) {
		return checkTopic(ev.Topic)
	}
	m := b.idx.Load().matches(ev.Topic)
	if !m.any() {
		return nil
	}
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	var errs error
	var space [4]*Subscription
	waits := space[:0] // OverflowBlock subscriptions with a full queue
	for s := m.pop(); s != nil; s = m.pop() {
		if !s.async {
			if err := s.call(ctx, ev); err != nil {
				errs = join(errs, err)
				if errors.Is(err, ErrStop) {
					break
				}
			}
			continue
		}
		if s.offer(ctx, ev) {
			continue
		}
		if s.overflow == OverflowBlock {
			waits = append(waits, s)
			continue
		}
		b.drop(s)
		errs = join(errs, s.dropErr)
	}
	for _, s := range waits {
		if err := s.wait(ctx, ev); err != nil {
			errs = join(errs, err)
		}
	}
	return errs
}

// Stats returns the bus's counters.
func (b *Bus) Stats() Stats {
	x := b.idx.Load()
	st := Stats{
		Subscriptions: x.n,
		Dropped:       b.dropped.Load(),
		Errors:        b.errors.Load(),
		Panics:        b.panics.Load(),
	}
	for _, s := range x.all() {
		st.Queued += len(s.queue)
	}
	return st
}

// Close closes the bus: Publish and Subscribe fail with ErrClosed from
// then on, each asynchronous listener is handed the events still in its
// queue, and then every subscription is cancelled. Close waits until they have all been handled and the bus's
// goroutines have ended, or until ctx ends. In that case the bus gives up:
// the listeners' contexts end, the events still queued are dropped
// (counted in Stats.Dropped), and Close returns an error wrapping ctx's
// error and naming the listeners still running. Their goroutines end as
// soon as those listeners return: a bus cannot stop a listener that
// ignores its context.
//
// Synchronous listeners run in their publishers' goroutines; Close does
// not wait for them. Close may be called more than once; a later call
// waits again.
func (b *Bus) Close(ctx context.Context) error {
	b.mu.Lock()
	if !b.closed.Load() {
		b.closed.Store(true)
		close(b.closing)
	}
	subs := append(b.idx.Load().all(), b.lingering...)
	b.mu.Unlock()
	for _, s := range subs {
		if s.async {
			select {
			case <-s.done:
			case <-ctx.Done():
			}
		}
	}
	var stuck []*Subscription
	var names []string
	for _, s := range subs {
		if s.async && !isDone(s.done) {
			stuck, names = append(stuck, s), append(names, s.pat.raw)
		}
	}
	if len(stuck) > 0 {
		b.abandoned.Store(true)
		b.cancel()
	}
	for _, s := range subs {
		s.Unsubscribe()
	}
	b.mu.Lock()
	b.lingering = stuck
	b.mu.Unlock()
	if len(stuck) > 0 {
		return fmt.Errorf("event: close: listeners of %q still running: %w", names, ctx.Err())
	}
	b.cancel()
	return nil
}

func isDone(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// drop counts an event that s did not get.
func (b *Bus) drop(s *Subscription) {
	b.dropped.Add(1)
	s.dropped.Add(1)
}

// failed counts and wraps the error of a listener.
func (b *Bus) failed(s *Subscription, ev *Event, err error) error {
	if !errors.Is(err, ErrStop) {
		b.errors.Add(1)
	}
	return fmt.Errorf("event: listener %q on %q: %w", s.pat.raw, ev.Topic, err)
}

// panicked counts and logs the panic of a listener and returns it as an
// error wrapping ErrListenerPanic (and the panic's value, when it is an
// error).
func (b *Bus) panicked(s *Subscription, ev *Event, p any) error {
	b.panics.Add(1)
	b.log.Error("event: listener panicked", "topic", ev.Topic, "pattern", s.pat.raw, "panic", p, "stack", string(debug.Stack()))
	if perr, ok := p.(error); ok {
		return fmt.Errorf("%w: %q on %q: %w", ErrListenerPanic, s.pat.raw, ev.Topic, perr)
	}
	return fmt.Errorf("%w: %q on %q: %v", ErrListenerPanic, s.pat.raw, ev.Topic, p)
}

// join adds err to errs, without allocating while there is one error.
func join(errs, err error) error {
	if errs == nil {
		return err
	}
	return errors.Join(errs, err)
}
