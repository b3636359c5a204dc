package event_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/plugin/event"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// gate is a listener that blocks until it is opened (or its context
// ends), recording the events it got.
type gate struct {
	open    chan struct{}
	entered chan struct{} // one value per call that began
	j       journal
}

func newGate() *gate { return &gate{open: make(chan struct{}), entered: make(chan struct{}, 1024)} }

func (g *gate) listen(ctx context.Context, ev event.Event) error {
	g.entered <- struct{}{}
	select {
	case <-g.open:
	case <-ctx.Done():
		return ctx.Err()
	}
	g.j.add(fmt.Sprint(ev.Data))
	return nil
}

// TestUnsubscribe: Unsubscribe is idempotent; the listener is not called
// afterwards; a listener may cancel itself and others during a Publish.
func TestUnsubscribe(t *testing.T) {
	b := newBus(t, event.BusConfig{})
	var j journal
	var second *event.Subscription
	var first *event.Subscription
	first = subscribe(t, b, "t", func(ctx context.Context, ev event.Event) error {
		j.add("first")
		first.Unsubscribe()
		second.Unsubscribe() // during the same Publish, before second's turn
		return nil
	}, event.Priority(2))
	second = subscribe(t, b, "t", j.as("second"), event.Priority(1))
	third := subscribe(t, b, "t", j.as("third"))
	async := subscribe(t, b, "t", j.as("async"), event.Async())
	async.Unsubscribe()
	<-async.Done()

	publish(t, b, "t")
	publish(t, b, "t")
	<-first.Done()
	<-second.Done()
	third.Unsubscribe()
	third.Unsubscribe()
	<-third.Done()
	publish(t, b, "t")
	want := []string{"first", "third t", "third t"}
	if got := j.get(); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if st := b.Stats(); st.Subscriptions != 0 {
		t.Errorf("%d subscriptions left", st.Subscriptions)
	}
}

// TestUnsubscribeConcurrent: with publishers running, subscriptions come
// and go; once a subscription's Done is closed its listener is never
// called again. Meant for -race.
func TestUnsubscribeConcurrent(t *testing.T) {
	b := newBus(t, event.BusConfig{})
	ctx, stop := context.WithCancel(rpctest.Context(t))
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for ctx.Err() == nil {
				b.Publish(ctx, event.Event{Topic: "load.tick"})
				runtime.Gosched() // let the test goroutine run on a small machine
			}
		})
	}
	var late atomic.Int64
	for i := range 100 {
		var gone atomic.Bool
		called := make(chan struct{})
		var once sync.Once
		fn := func(context.Context, event.Event) error {
			if gone.Load() {
				late.Add(1)
			}
			once.Do(func() { close(called) })
			return nil
		}
		var opts []event.SubOption
		if i%3 == 0 {
			opts = append(opts, event.Async(), event.QueueSize(4))
		}
		pattern := []string{"load.tick", "load.*", "**"}[i%3]
		s := subscribe(t, b, pattern, fn, opts...)
		<-called
		s.Unsubscribe()
		<-s.Done()
		gone.Store(true)
	}
	stop()
	wg.Wait()
	if n := late.Load(); n != 0 {
		t.Errorf("%d calls after Done", n)
	}
}

// TestAsyncDelivery: an async listener gets events in order, in its own
// goroutine, with the publisher's values but not its cancellation.
func TestAsyncDelivery(t *testing.T) {
	b := newBus(t, event.BusConfig{})
	type key struct{}
	var j journal
	var canceledCtx atomic.Int64
	subscribe(t, b, "n", func(ctx context.Context, ev event.Event) error {
		if ctx.Err() != nil {
			canceledCtx.Add(1)
		}
		j.add(fmt.Sprintf("%v/%v", ev.Data, ctx.Value(key{})))
		return nil
	}, event.Async())
	var want []string
	for i := range 50 {
		ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
		if err := b.Publish(ctx, event.Event{Topic: "n", Data: i}); err != nil {
			t.Fatal(err)
		}
		cancel() // the listener's context does not end with the publisher's
		want = append(want, fmt.Sprintf("%d/v", i))
	}
	rpctest.WaitFor(t, "50 events", func() bool { return j.len() == 50 })
	if got := j.get(); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if n := canceledCtx.Load(); n != 0 {
		t.Errorf("%d listener contexts had ended", n)
	}
}

// TestOverflowDrop: a stuck listener's queue fills; further events are
// dropped for it alone, counted, and reported by Publish without waiting;
// the other listeners get everything.
func TestOverflowDrop(t *testing.T) {
	b := newBus(t, event.BusConfig{QueueSize: 2})
	g := newGate()
	stuck := subscribe(t, b, "e", g.listen, event.Async())
	var others journal
	subscribe(t, b, "e", others.as("sync"))
	subscribe(t, b, "e", others.as("async"), event.Async(), event.QueueSize(100))

	if err := b.Publish(context.Background(), event.Event{Topic: "e", Data: 0}); err != nil {
		t.Fatal(err)
	}
	<-g.entered // the listener holds event 0; its queue is empty
	var drops int
	for i := 1; i <= 10; i++ {
		err := b.Publish(context.Background(), event.Event{Topic: "e", Data: i})
		if err != nil {
			if !errors.Is(err, event.ErrDropped) || !strings.Contains(err.Error(), `"e"`) {
				t.Fatalf("Publish: %v", err)
			}
			drops++
		}
	}
	if drops != 8 || stuck.Dropped() != 8 || b.Stats().Dropped != 8 {
		t.Errorf("drops: %d returned, %d counted, %d in stats; want 8", drops, stuck.Dropped(), b.Stats().Dropped)
	}
	rpctest.WaitFor(t, "the other listeners", func() bool { return others.len() == 22 })
	if q := b.Stats().Queued; q != 2 {
		t.Errorf("Stats.Queued = %d, want 2", q)
	}
	close(g.open)
	rpctest.WaitFor(t, "the stuck listener", func() bool { return g.j.len() == 3 })
	if got := g.j.get(); !slices.Equal(got, []string{"0", "1", "2"}) {
		t.Errorf("the stuck listener got %q", got)
	}
}

// TestOverflowBlock: a full queue holds the publisher up until there is
// room, after the other listeners were served, and never past the
// publisher's context.
func TestOverflowBlock(t *testing.T) {
	b := newBus(t, event.BusConfig{Overflow: event.OverflowBlock, QueueSize: 1})
	g := newGate()
	s := subscribe(t, b, "e", g.listen, event.Async())
	var others journal
	subscribe(t, b, "e", others.as("low"), event.Priority(-1))
	subscribe(t, b, "e", others.as("dropper"), event.Async(), event.OnFull(event.OverflowDrop), event.QueueSize(100))

	publish(t, b, "e") // held by the listener
	<-g.entered
	publish(t, b, "e") // fills the queue

	// An ended context: Publish does not wait at all.
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	err := b.Publish(ended, event.Event{Topic: "e"})
	if !errors.Is(err, event.ErrDropped) || !errors.Is(err, context.Canceled) {
		t.Errorf("Publish with an ended context: %v, want ErrDropped and context.Canceled", err)
	}
	if s.Dropped() != 1 {
		t.Errorf("Dropped = %d, want 1", s.Dropped())
	}

	// A live context: Publish waits for room, having served the others.
	done := make(chan error, 1)
	go func() { done <- b.Publish(context.Background(), event.Event{Topic: "e", Data: "last"}) }()
	rpctest.WaitFor(t, "the other listeners", func() bool { return others.len() == 8 })
	select {
	case err := <-done:
		t.Fatalf("Publish returned %v with the queue full", err)
	default:
	}
	close(g.open)
	if err := <-done; err != nil {
		t.Fatalf("Publish: %v", err)
	}
	rpctest.WaitFor(t, "the listener", func() bool { return g.j.len() == 3 })

	// Unsubscribing releases a waiting publisher.
	g2 := newGate()
	s2 := subscribe(t, b, "f", g2.listen, event.Async())
	publish(t, b, "f")
	<-g2.entered
	publish(t, b, "f")
	go func() { done <- b.Publish(context.Background(), event.Event{Topic: "f"}) }()
	s2.Unsubscribe()
	if err := <-done; err != nil {
		t.Errorf("Publish to an unsubscribed listener: %v", err)
	}
	close(g2.open)
}

// TestBlockedListenerDoesNotStopOthers: one async listener blocks for
// good; the other listeners, sync and async, still get every event, and
// Close gives up on it at its context, ending its context so it returns.
func TestBlockedListenerDoesNotStopOthers(t *testing.T) {
	leakcheck.Check(t)
	b, err := event.NewBus(event.BusConfig{QueueSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	g := newGate() // never opened
	subscribe(t, b, "job.*", g.listen, event.Async(), event.Priority(100))
	var others journal
	subscribe(t, b, "job.*", others.as("sync"))
	subscribe(t, b, "job.**", others.as("async"), event.Async(), event.QueueSize(1000))
	for i := range 100 {
		err := b.Publish(context.Background(), event.Event{Topic: "job.done", Data: i})
		if err != nil && !errors.Is(err, event.ErrDropped) {
			t.Fatal(err)
		}
		if i == 0 {
			<-g.entered // the listener holds event 0; its queue takes 8 more
		}
	}
	rpctest.WaitFor(t, "the other listeners", func() bool { return others.len() == 200 })
	if st := b.Stats(); st.Dropped != 100-1-8 {
		t.Errorf("Stats.Dropped = %d, want %d", st.Dropped, 100-1-8)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = b.Close(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), `"job.*"`) {
		t.Errorf("Close: %v, want context.Canceled naming the stuck listener", err)
	}
	// The stuck listener's context has ended: it returns, its goroutine
	// ends, and a second Close succeeds.
	if err := b.Close(rpctest.Context(t)); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if st := b.Stats(); st.Dropped != 100-1 || st.Queued != 0 {
		t.Errorf("after Close: Dropped %d, Queued %d; want %d, 0", st.Dropped, st.Queued, 100-1)
	}
}

// TestCloseDrains: Close lets async listeners handle what is queued, then
// their goroutines end.
func TestCloseDrains(t *testing.T) {
	leakcheck.Check(t)
	b, err := event.NewBus(event.BusConfig{})
	if err != nil {
		t.Fatal(err)
	}
	g := newGate()
	s := subscribe(t, b, "e", g.listen, event.Async())
	for i := range 10 {
		if err := b.Publish(context.Background(), event.Event{Topic: "e", Data: i}); err != nil {
			t.Fatal(err)
		}
	}
	<-g.entered
	closed := make(chan error, 1)
	go func() { closed <- b.Close(rpctest.Context(t)) }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned %v before the queue was handled", err)
	case <-s.Done():
		t.Fatal("the subscription ended before its queue was handled")
	default:
	}
	close(g.open)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	<-s.Done()
	if n := g.j.len(); n != 10 {
		t.Errorf("the listener got %d events, want 10", n)
	}
}
