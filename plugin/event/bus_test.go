package event_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/plugin/event"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// newBus makes a bus that is closed when the test ends, and checks the
// test for leaked goroutines.
func newBus(t *testing.T, cfg event.BusConfig) *event.Bus {
	t.Helper()
	leakcheck.Check(t)
	b, err := event.NewBus(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(rpctest.Context(t)); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

func subscribe(t *testing.T, b *event.Bus, pattern string, fn event.Listener, opts ...event.SubOption) *event.Subscription {
	t.Helper()
	s, err := b.Subscribe(pattern, fn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// journal records which listeners got which events, in order.
type journal struct {
	mu    sync.Mutex
	lines []string
}

func (j *journal) add(line string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.lines = append(j.lines, line)
}

func (j *journal) get() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.lines)
}

func (j *journal) len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.lines)
}

// as returns a listener that records "name topic".
func (j *journal) as(name string) event.Listener {
	return func(_ context.Context, ev event.Event) error {
		j.add(name + " " + ev.Topic)
		return nil
	}
}

func publish(t *testing.T, b *event.Bus, topic string) {
	t.Helper()
	if err := b.Publish(context.Background(), event.Event{Topic: topic}); err != nil {
		t.Fatalf("Publish(%q): %v", topic, err)
	}
}

// TestWildcardListenersGetEvents: a listener of a wildcard pattern gets
// the events of its topics whether or not an exact listener exists, and
// only those.
func TestWildcardListenersGetEvents(t *testing.T) {
	b := newBus(t, event.BusConfig{})
	var j journal
	subscribe(t, b, "app.*", j.as("app.*"))
	subscribe(t, b, "app.**", j.as("app.**"))
	subscribe(t, b, "*", j.as("*"))
	subscribe(t, b, "*.run", j.as("*.run"))
	for _, topic := range []string{"app.run", "app.db.open", "other", "svc.run"} {
		publish(t, b, topic)
	}
	want := []string{
		"app.* app.run", "app.** app.run", "* app.run", "*.run app.run",
		"app.** app.db.open", "* app.db.open",
		"* other",
		"* svc.run", "*.run svc.run",
	}
	if got := j.get(); !slices.Equal(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	for topic, want := range map[string]bool{"app.run": true, "app.x.y": true, "nobody": true, "app": true} {
		if got := b.HasSubscribers(topic); got != want {
			t.Errorf("HasSubscribers(%q) = %v, want %v", topic, got, want)
		}
	}
	if b.HasSubscribers("bad..topic") {
		t.Error("HasSubscribers of a bad topic is true")
	}
}

// TestPriorities: higher priorities first, equal priorities in the order
// of subscription, across exact and wildcard patterns.
func TestPriorities(t *testing.T) {
	b := newBus(t, event.BusConfig{})
	var j journal
	subscribe(t, b, "a.b", j.as("exact0"))
	subscribe(t, b, "**", j.as("all-100"), event.Priority(-100))
	subscribe(t, b, "a.*", j.as("head10"), event.Priority(10))
	subscribe(t, b, "a.b", j.as("exact10"), event.Priority(10))
	subscribe(t, b, "*.b", j.as("wild10"), event.Priority(10))
	subscribe(t, b, "a.b", j.as("exact300"), event.Priority(300))
	subscribe(t, b, "a.**", j.as("head0"))
	publish(t, b, "a.b")
	want := []string{"exact300 a.b", "head10 a.b", "exact10 a.b", "wild10 a.b", "exact0 a.b", "head0 a.b", "all-100 a.b"}
	if got := j.get(); !slices.Equal(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// TestListenerErrors: an error does not stop the event; all are returned,
// naming the topic and pattern; ErrStop stops the event there.
func TestListenerErrors(t *testing.T) {
	b := newBus(t, event.BusConfig{})
	var j journal
	boom := errors.New("boom")
	subscribe(t, b, "job.*", func(context.Context, event.Event) error { return boom }, event.Priority(3))
	subscribe(t, b, "job.done", j.as("second"), event.Priority(2))
	subscribe(t, b, "job.*", func(_ context.Context, ev event.Event) error {
		if ev.Data == "veto" {
			return fmt.Errorf("vetoed: %w", event.ErrStop)
		}
		return nil
	}, event.Priority(1))
	subscribe(t, b, "**", j.as("last"))

	err := b.Publish(context.Background(), event.Event{Topic: "job.done"})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), `"job.*"`) || !strings.Contains(err.Error(), `"job.done"`) {
		t.Errorf("err = %v, want boom naming the pattern and topic", err)
	}
	err = b.Publish(context.Background(), event.Event{Topic: "job.done", Data: "veto"})
	if !errors.Is(err, boom) || !errors.Is(err, event.ErrStop) {
		t.Errorf("err = %v, want boom and ErrStop", err)
	}
	want := []string{"second job.done", "last job.done", "second job.done"}
	if got := j.get(); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if st := b.Stats(); st.Errors != 2 {
		t.Errorf("Stats.Errors = %d, want 2 (ErrStop does not count)", st.Errors)
	}
}

// TestPanickingListener: a panic is recovered and logged, the publisher
// survives, the other listeners get the event, and the error wraps both
// ErrListenerPanic and the panic's error.
func TestPanickingListener(t *testing.T) {
	var logs syncBuffer
	var asyncErrs journal
	b := newBus(t, event.BusConfig{
		Logger:       slog.New(slog.NewTextHandler(&logs, nil)),
		OnAsyncError: func(ev event.Event, err error) { asyncErrs.add(ev.Topic + ": " + err.Error()) },
	})
	var j journal
	cause := errors.New("listener bug")
	subscribe(t, b, "x", func(context.Context, event.Event) error { panic(cause) }, event.Priority(1))
	subscribe(t, b, "x", func(context.Context, event.Event) error { panic("async bug") }, event.Async())
	subscribe(t, b, "x", j.as("after"))
	subscribe(t, b, "x", j.as("async-after"), event.Async())

	err := b.Publish(context.Background(), event.Event{Topic: "x"})
	if !errors.Is(err, event.ErrListenerPanic) || !errors.Is(err, cause) {
		t.Errorf("err = %v, want ErrListenerPanic wrapping the cause", err)
	}
	rpctest.WaitFor(t, "the async listeners", func() bool { return j.len() == 2 && asyncErrs.len() == 1 })
	if got := asyncErrs.get()[0]; !strings.Contains(got, "async bug") || !strings.Contains(got, "panicked") {
		t.Errorf("OnAsyncError got %q", got)
	}
	if st := b.Stats(); st.Panics != 2 {
		t.Errorf("Stats.Panics = %d, want 2", st.Panics)
	}
	if n := strings.Count(logs.String(), "event: listener panicked"); n != 2 {
		t.Errorf("%d panic log lines, want 2:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "TestPanickingListener") {
		t.Errorf("the log has no stack:\n%s", logs.String())
	}
	publish(t, b, "y") // the bus still works
}

// TestAsyncErrorLogged: without OnAsyncError, an async listener's error is
// logged at Warn, not dropped.
func TestAsyncErrorLogged(t *testing.T) {
	var logs syncBuffer
	b := newBus(t, event.BusConfig{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	subscribe(t, b, "x", func(context.Context, event.Event) error { return errors.New("disk full") }, event.Async())
	publish(t, b, "x")
	rpctest.WaitFor(t, "the error in the log", func() bool { return strings.Contains(logs.String(), "disk full") })
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), `pattern=x`) {
		t.Errorf("log: %s", logs.String())
	}
	if st := b.Stats(); st.Errors != 1 {
		t.Errorf("Stats.Errors = %d, want 1", st.Errors)
	}
}

func TestBadSubscriptions(t *testing.T) {
	b := newBus(t, event.BusConfig{})
	nop := func(context.Context, event.Event) error { return nil }
	cases := []struct {
		name    string
		pattern string
		fn      event.Listener
		opts    []event.SubOption
		want    error
	}{
		{"bad pattern", "a.**.b", nop, nil, event.ErrBadTopic},
		{"nil listener", "a", nil, nil, event.ErrBadOption},
		{"queue size without async", "a", nop, []event.SubOption{event.QueueSize(4)}, event.ErrBadOption},
		{"overflow without async", "a", nop, []event.SubOption{event.OnFull(event.OverflowBlock)}, event.ErrBadOption},
		{"zero queue", "a", nop, []event.SubOption{event.Async(), event.QueueSize(0)}, event.ErrBadOption},
		{"unknown overflow", "a", nop, []event.SubOption{event.Async(), event.OnFull(7)}, event.ErrBadOption},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := b.Subscribe(c.pattern, c.fn, c.opts...)
			if !errors.Is(err, c.want) || s != nil {
				t.Fatalf("Subscribe: %v, %v; want an error wrapping %v", s, err, c.want)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", c.pattern)) {
				t.Errorf("error %q does not name the pattern", err)
			}
		})
	}
	if err := b.Publish(context.Background(), event.Event{Topic: "a.*"}); !errors.Is(err, event.ErrBadTopic) {
		t.Errorf("Publish of a pattern: %v, want ErrBadTopic", err)
	}
	for _, cfg := range []event.BusConfig{{QueueSize: -1}, {Overflow: 3}} {
		if _, err := event.NewBus(cfg); !errors.Is(err, event.ErrBadOption) {
			t.Errorf("NewBus(%+v): %v, want ErrBadOption", cfg, err)
		}
	}
	if st := b.Stats(); st.Subscriptions != 0 {
		t.Errorf("%d subscriptions after failed Subscribes", st.Subscriptions)
	}
}

// TestNothingToDeliverAllocatesNothing: publishing a topic nobody listens
// to, with other listeners on the bus, and asking HasSubscribers, allocate
// nothing; nor does a synchronous delivery of an event whose Data is
// already boxed.
func TestNothingToDeliverAllocatesNothing(t *testing.T) {
	b := newBus(t, event.BusConfig{})
	nop := func(context.Context, event.Event) error { return nil }
	for _, p := range []string{"rpc.call.served", "rpc.session.*", "*.x.y", "app.**", "other"} {
		subscribe(t, b, p, nop)
	}
	ctx := context.Background()
	ev := event.Event{Topic: "rpc.call.returned", Data: any(42)}
	if n := testing.AllocsPerRun(100, func() {
		if b.HasSubscribers(ev.Topic) {
			t.Fatal("HasSubscribers is true")
		}
		if err := b.Publish(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%v allocations per publish without listeners", n)
	}
	ev.Topic = "rpc.session.connected"
	if n := testing.AllocsPerRun(100, func() {
		if err := b.Publish(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%v allocations per publish to one synchronous listener", n)
	}
}

// TestClosedBus: Publish and Subscribe fail with ErrClosed; Close is
// idempotent; synchronous subscriptions are done.
func TestClosedBus(t *testing.T) {
	leakcheck.Check(t)
	b, err := event.NewBus(event.BusConfig{})
	if err != nil {
		t.Fatal(err)
	}
	syncSub := subscribe(t, b, "a", func(context.Context, event.Event) error { return nil })
	async := subscribe(t, b, "a", func(context.Context, event.Event) error { return nil }, event.Async())
	ctx := rpctest.Context(t)
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	<-syncSub.Done()
	<-async.Done()
	if st := b.Stats(); st.Subscriptions != 0 {
		t.Errorf("%d subscriptions after Close", st.Subscriptions)
	}
	if err := b.Publish(ctx, event.Event{Topic: "a"}); !errors.Is(err, event.ErrClosed) {
		t.Errorf("Publish: %v, want ErrClosed", err)
	}
	if _, err := b.Subscribe("a", func(context.Context, event.Event) error { return nil }); !errors.Is(err, event.ErrClosed) {
		t.Errorf("Subscribe: %v, want ErrClosed", err)
	}
	if b.HasSubscribers("a") {
		t.Error("HasSubscribers on a closed bus")
	}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}
