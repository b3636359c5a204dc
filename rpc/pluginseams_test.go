package rpc_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/filter"
)

// filterChooser is a CallInterceptor that sends calls carrying the
// metadata "seal: 1" through the md5 filter, as the securebody plugin does
// with its own filter.
type filterChooser struct{}

func (filterChooser) Name() string { return "filter-chooser" }

func (filterChooser) InterceptCall(next rpc.InvokeFunc) rpc.InvokeFunc {
	return func(ctx context.Context, m *rpc.Message, reply any) error {
		if m.Meta().Get("seal") == "1" {
			m.SetFilters("md5")
		}
		return next(ctx, m, reply)
	}
}

// filterSeer records the filter ids of the calls a server reads and of
// the replies a client reads.
type filterSeer struct {
	mu   sync.Mutex
	seen [][]byte
}

func (*filterSeer) Name() string { return "filter-seer" }

func (f *filterSeer) record(m *rpc.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = append(f.seen, slices.Clone(m.Filters()))
	return nil
}

func (f *filterSeer) AfterReadCallBody(m *rpc.Message) error    { return f.record(m) }
func (f *filterSeer) AfterReadReplyHeader(m *rpc.Message) error { return f.record(m) }

func (f *filterSeer) take() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.seen
	f.seen = nil
	return s
}

// TestMessageSetFilters: a CallInterceptor chooses a call's transfer
// filters; the server sees them in Message.Filters, and the reply comes
// back through them.
func TestMessageSetFilters(t *testing.T) {
	srvSeer, cliSeer := new(filterSeer), new(filterSeer)
	p := newPair(t, pairOptions{
		srv:     rpc.Config{Filters: []wire.Filter{filter.MD5{}}},
		cli:     rpc.Config{Filters: []wire.Filter{filter.MD5{}}},
		srvPlug: []rpc.Plugin{srvSeer},
		cliPlug: []rpc.Plugin{filterChooser{}, cliSeer},
		setup:   biRoutes(t),
	})
	ctx := testCtx(t)
	var sum int
	if err := p.sess.Call(ctx, "/bi/sum", []int{1, 2}, &sum, rpc.WithMeta("seal", "1")); err != nil || sum != 3 {
		t.Fatalf("sealed call: sum %d, err %v", sum, err)
	}
	if err := p.sess.Call(ctx, "/bi/sum", []int{3}, &sum); err != nil || sum != 3 {
		t.Fatalf("plain call: sum %d, err %v", sum, err)
	}
	want := [][]byte{{'5'}, {}}
	for side, seer := range map[string]*filterSeer{"server": srvSeer, "client": cliSeer} {
		got := seer.take()
		if len(got) != 2 || !slices.Equal(got[0], want[0]) || len(got[1]) != 0 {
			t.Errorf("%s saw filters %q, want %q", side, got, want)
		}
	}
}

// TestMessageSetFiltersUnknown: a filter name the endpoint lacks fails the
// call, not the session.
func TestMessageSetFiltersUnknown(t *testing.T) {
	p := newPair(t, pairOptions{cliPlug: []rpc.Plugin{filterChooser{}}, setup: biRoutes(t)})
	var sum int
	err := p.sess.Call(testCtx(t), "/bi/sum", []int{1}, &sum, rpc.WithMeta("seal", "1"))
	biWantCode(t, "a call choosing a filter the endpoint lacks", err, rpc.CodeInvalidArgument)
	biServes(t, p)
}

// TestSessionCloseConn: closing a dialed session's connection makes it
// redial, and the same session works again; on an accepted session it
// closes the session for good with the reason given.
func TestSessionCloseConn(t *testing.T) {
	t.Run("dialed redials", func(t *testing.T) {
		p := newPair(t, pairOptions{cli: rpc.Config{Redial: rpc.RedialPolicy{Attempts: -1}}, setup: biRoutes(t)})
		ctx := testCtx(t)
		first := p.sess.LocalAddr().String()
		p.sess.CloseConn(rpc.NewStatus(rpc.CodeUnavailable, "peer fell silent"))
		var sum int
		if err := p.sess.Call(ctx, "/bi/sum", []int{2, 2}, &sum, rpc.WithWaitForReady()); err != nil || sum != 4 {
			t.Fatalf("call after CloseConn: sum %d, err %v", sum, err)
		}
		if p.sess.LocalAddr().String() == first {
			t.Errorf("the session still uses its first connection %s", first)
		}
		if err := p.sess.Err(); err != nil {
			t.Errorf("Err = %v after a redial, want nil", err)
		}
	})
	t.Run("accepted closes", func(t *testing.T) {
		p := newPair(t, pairOptions{setup: biRoutes(t)})
		ss := p.serverSession(t)
		ss.CloseConn(rpc.NewStatus(rpc.CodeUnavailable, "peer fell silent"))
		<-ss.Done()
		if got := rpc.CodeOf(ss.Err()); got != rpc.CodeUnavailable {
			t.Errorf("Err = %v, want code %v", ss.Err(), rpc.CodeUnavailable)
		}
		<-p.sess.Done()
	})
}

// readAtSeer checks that a reply's hooks see when its call was read.
type readAtSeer struct {
	mu  sync.Mutex
	got []time.Duration
}

func (*readAtSeer) Name() string { return "read-at-seer" }

func (r *readAtSeer) AfterWriteReply(m *rpc.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.ReadAt().IsZero() {
		r.got = append(r.got, -1)
	} else {
		r.got = append(r.got, time.Since(m.ReadAt()))
	}
	return nil
}

// TestMessageReadAt: the hooks of a reply see when its call was read, so a
// plugin measures read-to-reply without state of its own; the sending side
// sees zero.
func TestMessageReadAt(t *testing.T) {
	seer := new(readAtSeer)
	p := newPair(t, pairOptions{srvPlug: []rpc.Plugin{seer}, setup: biRoutes(t)})
	var sum int
	if err := p.sess.Call(testCtx(t), "/bi/sum", []int{1}, &sum); err != nil {
		t.Fatal(err)
	}
	// AfterWriteReply runs once the reply is handed to the connection,
	// which may be after the caller has it.
	waitFor(t, "AfterWriteReply to run", func() bool {
		seer.mu.Lock()
		defer seer.mu.Unlock()
		return len(seer.got) > 0
	})
	seer.mu.Lock()
	defer seer.mu.Unlock()
	if len(seer.got) != 1 || seer.got[0] < 0 {
		t.Fatalf("AfterWriteReply saw read-to-reply times %v, want one, not zero", seer.got)
	}
	var m rpc.Message
	if !m.ReadAt().IsZero() {
		t.Errorf("a message not received has ReadAt %v, want zero", m.ReadAt())
	}
}

// closer closes the server side of a session with CloseWithError right
// after the reply to /bi/sum is handed to the connection.
type closer struct{}

func (closer) Name() string { return "closer" }

func (closer) AfterWriteReply(m *rpc.Message) error {
	m.Session().CloseWithError(rpc.NewStatus(rpc.CodeUnauthorized, "go away"))
	return nil
}

// TestSessionCloseWithError: the reply queued before CloseWithError reaches
// the caller, and then the session ends with the status given.
func TestSessionCloseWithError(t *testing.T) {
	for i := range 20 {
		p := newPair(t, pairOptions{srvPlug: []rpc.Plugin{closer{}}, setup: biRoutes(t)})
		var sum int
		if err := p.sess.Call(testCtx(t), "/bi/sum", []int{i, 1}, &sum); err != nil || sum != i+1 {
			t.Fatalf("call %d: sum %d, err %v; want the reply before the close", i, sum, err)
		}
		<-p.sess.Done()
		if got := rpc.CodeOf(p.sess.Err()); got != rpc.CodeUnauthorized {
			t.Fatalf("session ended with %v, want code %v", p.sess.Err(), rpc.CodeUnauthorized)
		}
	}
}

func TestSessionDialAddr(t *testing.T) {
	p := newPair(t, pairOptions{setup: biRoutes(t)})
	if got := p.sess.DialAddr(); got != p.addr {
		t.Errorf("dialed session's DialAddr = %q, want %q", got, p.addr)
	}
	if got := p.serverSession(t).DialAddr(); got != "" {
		t.Errorf("accepted session's DialAddr = %q, want empty", got)
	}
}

// TestErrNotSent: a call that never left (the session closed, or down
// without WithWaitForReady) matches ErrNotSent with its code unchanged; a
// call that was sent and lost its connection before the reply does not.
func TestErrNotSent(t *testing.T) {
	ctx := testCtx(t)
	t.Run("closed session", func(t *testing.T) {
		p := newPair(t, pairOptions{setup: biRoutes(t)})
		p.sess.Close()
		var sum int
		err := p.sess.Call(ctx, "/bi/sum", []int{1}, &sum)
		if !errors.Is(err, rpc.ErrNotSent) || rpc.CodeOf(err) != rpc.CodeConnClosed {
			t.Fatalf("call on a closed session: %v (code %v, not sent %v), want CodeConnClosed and ErrNotSent", err, rpc.CodeOf(err), errors.Is(err, rpc.ErrNotSent))
		}
	})
	t.Run("sent, then the connection closed", func(t *testing.T) {
		started := make(chan *rpc.Session, 1)
		p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
			srv.Router().HandleCall("/hang", rpc.CallFunc(func(c *rpc.CallCtx, _ *int) (int, error) {
				started <- c.Session()
				<-c.Context().Done()
				return 0, nil
			}))
		}})
		errc := make(chan error, 1)
		go func() {
			var n int
			errc <- p.sess.Call(ctx, "/hang", 1, &n)
		}()
		(<-started).CloseConn(nil)
		err := <-errc
		if err == nil || errors.Is(err, rpc.ErrNotSent) {
			t.Fatalf("a call that reached its handler: %v, not sent %v; want an error that is not ErrNotSent", err, errors.Is(err, rpc.ErrNotSent))
		}
	})
}
