package event_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/plugin/event"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/rpc/wire"
	wirehttp "github.com/dmicro-go/dmicro/rpc/wire/http"
)

// formats are the frame formats the plugin is tested over: raw (the
// default) and HTTP/1.1.
var formats = []struct {
	name   string
	format wire.Format
}{
	{"tcp", nil},
	{"http", wirehttp.Format{}},
}

// recorder keeps the events a bus delivers.
type recorder struct {
	mu  sync.Mutex
	evs []event.Event
}

func (r *recorder) listen(_ context.Context, ev event.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, ev)
	return nil
}

// find returns the events of topic that satisfy match.
func (r *recorder) find(topic string, match func(ev event.Event) bool) []event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []event.Event
	for _, ev := range r.evs {
		if ev.Topic == topic && (match == nil || match(ev)) {
			out = append(out, ev)
		}
	}
	return out
}

// await waits for one event of topic that satisfies match and returns it.
func (r *recorder) await(t *testing.T, topic string, match func(ev event.Event) bool) event.Event {
	t.Helper()
	var got []event.Event
	rpctest.WaitFor(t, "an event "+topic, func() bool {
		got = r.find(topic, match)
		return len(got) > 0
	})
	return got[0]
}

// endpoints is a server and a client, each with the event plugin on a
// bus of its own, and a session between them.
type endpoints struct {
	srv, cli       *rpc.Endpoint
	srvBus, cliBus *event.Bus
	srvLog         *syncBuffer
	sess           *rpc.Session
	addr           string
}

func newEndpoints(t *testing.T, format wire.Format, srvBus, cliBus *event.Bus) *endpoints {
	t.Helper()
	e := &endpoints{srvBus: srvBus, cliBus: cliBus, srvLog: &syncBuffer{}}
	srv, err := rpc.NewEndpoint(rpc.Config{
		Format: format,
		Logger: slog.New(slog.NewTextHandler(e.srvLog, nil)),
	}, event.NewPlugin(srvBus))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Router().RouteCall(new(rpctest.Math)); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Router().RouteCall(new(rpctest.Echo)); err != nil {
		t.Fatal(err)
	}
	err = srv.Router().HandlePush("/ev/note", rpc.PushFunc(func(ctx *rpc.PushCtx, s *string) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	e.srv, e.addr = srv, serve(t, srv)
	e.cli, e.sess = dial(t, rpc.Config{Format: format}, e.addr, event.NewPlugin(cliBus))
	return e
}

// serve serves srv on loopback until the test ends, and returns its
// address.
func serve(tb testing.TB, srv *rpc.Endpoint) string {
	tb.Helper()
	l, err := net.Listen("tcp", rpctest.Loopback(tb))
	if err != nil {
		tb.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(l)
	}()
	tb.Cleanup(func() {
		srv.Close()
		<-served
	})
	return l.Addr().String()
}

// dial makes a client endpoint, closed when the test ends, and a session
// from it to addr.
func dial(tb testing.TB, cfg rpc.Config, addr string, plugins ...rpc.Plugin) (*rpc.Endpoint, *rpc.Session) {
	tb.Helper()
	cli, err := rpc.NewEndpoint(cfg, plugins...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cli.Close() })
	sess, err := cli.Dial(rpctest.Context(tb), addr)
	if err != nil {
		tb.Fatal(err)
	}
	return cli, sess
}

func method(m string) func(event.Event) bool {
	return func(ev event.Event) bool {
		switch d := ev.Data.(type) {
		case event.CallEvent:
			return d.Method == m
		case event.PushEvent:
			return d.Method == m
		}
		return false
	}
}

// checkCall checks a CallEvent's method, code and duration. The duration
// is only checked to be measured from the call, not from the zero time.
func checkCall(t *testing.T, side string, ev event.Event, m string, code rpc.Code) {
	t.Helper()
	ce, ok := ev.Data.(event.CallEvent)
	if !ok {
		t.Fatalf("%s: %s carries %T", side, ev.Topic, ev.Data)
	}
	if ce.Method != m || ce.Code != code || (code == 0) != (ce.Err == nil) || ce.Session == nil {
		t.Errorf("%s: %+v, want method %s, code %v", side, ce, m, code)
	}
	if code != 0 && rpc.CodeOf(ce.Err) != code {
		t.Errorf("%s: Err %v has code %v, want %v", side, ce.Err, rpc.CodeOf(ce.Err), code)
	}
	if ce.Duration < 0 || ce.Duration > time.Hour || ev.Time.IsZero() {
		t.Errorf("%s: duration %v, time %v", side, ce.Duration, ev.Time)
	}
}

// TestPluginEvents: over real sessions, both sides publish the session's
// connection, calls that succeed, fail and are not found, a push, and the
// session's end.
func TestPluginEvents(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			srvBus := newBus(t, event.BusConfig{})
			cliBus := newBus(t, event.BusConfig{})
			var srvRec, cliRec recorder
			subscribe(t, srvBus, "rpc.**", srvRec.listen)
			subscribe(t, cliBus, "*", cliRec.listen, event.Async())
			e := newEndpoints(t, f.format, srvBus, cliBus)
			ctx := rpctest.Context(t)

			ev := srvRec.await(t, event.TopicConnected, nil)
			if se := ev.Data.(event.SessionEvent); se.Session.Dialed() || se.Redial || se.Err != nil {
				t.Errorf("server connected: %+v", se)
			}
			ev = cliRec.await(t, event.TopicConnected, nil)
			if se := ev.Data.(event.SessionEvent); se.Session != e.sess || se.Redial || se.Err != nil {
				t.Errorf("client connected: %+v", se)
			}

			var sum int
			if err := e.sess.Call(ctx, "/math/add", []int{1, 2, 3}, &sum); err != nil || sum != 6 {
				t.Fatalf("call: %d, %v", sum, err)
			}
			checkCall(t, "server", srvRec.await(t, event.TopicCallServed, method("/math/add")), "/math/add", 0)
			checkCall(t, "client", cliRec.await(t, event.TopicCallReturned, method("/math/add")), "/math/add", 0)

			code := int(rpc.CodeUser + 7)
			if err := e.sess.Call(ctx, "/echo/fail", code, nil); rpc.CodeOf(err) != rpc.CodeUser+7 {
				t.Fatalf("failing call: %v", err)
			}
			checkCall(t, "server", srvRec.await(t, event.TopicCallServed, method("/echo/fail")), "/echo/fail", rpc.CodeUser+7)
			checkCall(t, "client", cliRec.await(t, event.TopicCallReturned, method("/echo/fail")), "/echo/fail", rpc.CodeUser+7)

			if err := e.sess.Call(ctx, "/no/such", 1, nil); rpc.CodeOf(err) != rpc.CodeNotFound {
				t.Fatalf("call of an unknown method: %v", err)
			}
			checkCall(t, "server", srvRec.await(t, event.TopicCallServed, method("/no/such")), "/no/such", rpc.CodeNotFound)
			checkCall(t, "client", cliRec.await(t, event.TopicCallReturned, method("/no/such")), "/no/such", rpc.CodeNotFound)

			if err := e.sess.Push(ctx, "/ev/note", "hello"); err != nil {
				t.Fatal(err)
			}
			ev = srvRec.await(t, event.TopicPushReceived, method("/ev/note"))
			if pe := ev.Data.(event.PushEvent); pe.Session == nil || pe.Code != 0 || pe.Err != nil {
				t.Errorf("push received: %+v", pe)
			}
			ev = cliRec.await(t, event.TopicPushSent, method("/ev/note"))
			if pe := ev.Data.(event.PushEvent); pe.Session != e.sess || pe.Code != 0 || pe.Err != nil {
				t.Errorf("push sent: %+v", pe)
			}

			e.sess.Close()
			ev = cliRec.await(t, event.TopicDisconnected, nil)
			if se := ev.Data.(event.SessionEvent); se.Session != e.sess || se.Err != nil {
				t.Errorf("client disconnected: %+v, want a nil Err for a local Close", se)
			}
			ev = srvRec.await(t, event.TopicDisconnected, nil)
			if se := ev.Data.(event.SessionEvent); se.Session.Dialed() {
				t.Errorf("server disconnected: %+v", se)
			}

			// A dial that fails.
			l, err := net.Listen("tcp", rpctest.Loopback(t))
			if err != nil {
				t.Fatal(err)
			}
			gone := l.Addr().String()
			l.Close()
			if _, err := e.cli.Dial(ctx, gone); err == nil {
				t.Fatal("dial to a closed port succeeded")
			}
			ev = cliRec.await(t, event.TopicDialFailed, nil)
			if de := ev.Data.(event.DialEvent); de.Addr != gone || de.Redial || de.Err == nil {
				t.Errorf("dial failed: %+v", de)
			}
		})
	}
}

// TestPluginRedial: a dialed session that redials publishes
// disconnected, then connected with Redial set.
func TestPluginRedial(t *testing.T) {
	leakcheck.Check(t)
	cliBus := newBus(t, event.BusConfig{})
	var rec recorder
	subscribe(t, cliBus, "rpc.session.*", rec.listen)
	srv, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, sess := dial(t, rpc.Config{Redial: rpc.RedialPolicy{Attempts: -1}}, serve(t, srv), event.NewPlugin(cliBus))
	sess.CloseConn(rpc.NewStatus(rpc.CodeUnavailable, "test"))
	ev := rec.await(t, event.TopicDisconnected, nil)
	if se := ev.Data.(event.SessionEvent); rpc.CodeOf(se.Err) != rpc.CodeUnavailable {
		t.Errorf("disconnected: %+v", se)
	}
	rec.await(t, event.TopicConnected, func(ev event.Event) bool { return ev.Data.(event.SessionEvent).Redial })
}

// TestPluginListenerFailures: listeners that panic, fail, block for good
// (async) or block for a while (sync) do not stop the endpoint from
// serving: calls succeed, the failures are counted and logged.
func TestPluginListenerFailures(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			leakcheck.Check(t)
			srvBus, err := event.NewBus(event.BusConfig{QueueSize: 4})
			if err != nil {
				t.Fatal(err)
			}
			cliBus := newBus(t, event.BusConfig{})
			subscribe(t, srvBus, event.TopicCallServed, func(context.Context, event.Event) error { panic("listener bug") })
			subscribe(t, srvBus, event.TopicConnected, func(context.Context, event.Event) error { return errors.New("cannot count") })
			stuck := newGate() // never opened: the bus gives up on it at Close
			subscribe(t, srvBus, "rpc.**", stuck.listen, event.Async())
			// A sync listener that holds the first call's event until released.
			release := make(chan struct{})
			var holdOnce sync.Once
			held := make(chan struct{})
			subscribe(t, srvBus, event.TopicCallServed, func(_ context.Context, ev event.Event) error {
				if ev.Data.(event.CallEvent).Method == "/echo/say" {
					holdOnce.Do(func() { close(held); <-release })
				}
				return nil
			})
			var rec recorder
			subscribe(t, srvBus, "rpc.call.*", rec.listen, event.Async(), event.QueueSize(1000), event.Priority(-1))
			e := newEndpoints(t, f.format, srvBus, cliBus)
			t.Cleanup(func() {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				if err := srvBus.Close(ctx); !errors.Is(err, context.Canceled) {
					t.Errorf("Close with a stuck listener: %v", err)
				}
				if err := srvBus.Close(rpctest.Context(t)); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			ctx := rpctest.Context(t)

			var said string
			if err := e.sess.Call(ctx, "/echo/say", "held", &said); err != nil || said != "held" {
				t.Fatalf("call answered before its event's listener returned: %q, %v", said, err)
			}
			<-held
			// Another session is served while that listener holds its goroutine.
			other, err := e.cli.Dial(ctx, e.addr)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 20 {
				var sum int
				if err := other.Call(ctx, "/math/add", []int{i, 1}, &sum); err != nil || sum != i+1 {
					t.Fatalf("call %d: %d, %v", i, sum, err)
				}
			}
			close(release)
			rpctest.WaitFor(t, "21 call events", func() bool { return len(rec.find(event.TopicCallServed, nil)) == 21 })
			st := srvBus.Stats()
			if st.Panics != 21 || st.Errors != 2 || st.Dropped == 0 {
				t.Errorf("stats %+v, want 21 panics, 2 errors, drops", st)
			}
			rpctest.WaitFor(t, "23 Warn lines of the plugin (21 panics, 2 errors)", func() bool {
				return strings.Count(e.srvLog.String(), "event: listener failed") >= 23
			})
			logs := e.srvLog.String()
			if n := strings.Count(logs, "event: listener failed"); n != 23 {
				t.Errorf("%d Warn lines of the plugin, want 23:\n%s", n, logs)
			}
			if strings.Contains(logs, "event dropped") {
				t.Errorf("drops were logged:\n%s", logs)
			}
		})
	}
}
