package rpc_test

import (
	"context"
	"errors"
	"net"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dmicro-go/dmicro/rpc"
)

// The recorder implements every one of the 27 hook interfaces.
var (
	_ rpc.Plugin                   = (*hkRec)(nil)
	_ rpc.BeforeNewEndpointHook    = (*hkRec)(nil)
	_ rpc.AfterNewEndpointHook     = (*hkRec)(nil)
	_ rpc.BeforeCloseEndpointHook  = (*hkRec)(nil)
	_ rpc.AfterCloseEndpointHook   = (*hkRec)(nil)
	_ rpc.AfterRouteHook           = (*hkRec)(nil)
	_ rpc.AfterListenHook          = (*hkRec)(nil)
	_ rpc.BeforeDialHook           = (*hkRec)(nil)
	_ rpc.AfterDialHook            = (*hkRec)(nil)
	_ rpc.AfterDialFailHook        = (*hkRec)(nil)
	_ rpc.AfterAcceptHook          = (*hkRec)(nil)
	_ rpc.AfterDisconnectHook      = (*hkRec)(nil)
	_ rpc.BeforeWriteCallHook      = (*hkRec)(nil)
	_ rpc.AfterWriteCallHook       = (*hkRec)(nil)
	_ rpc.BeforeWriteReplyHook     = (*hkRec)(nil)
	_ rpc.AfterWriteReplyHook      = (*hkRec)(nil)
	_ rpc.BeforeWritePushHook      = (*hkRec)(nil)
	_ rpc.AfterWritePushHook       = (*hkRec)(nil)
	_ rpc.BeforeReadHeaderHook     = (*hkRec)(nil)
	_ rpc.AfterReadCallHeaderHook  = (*hkRec)(nil)
	_ rpc.BeforeReadCallBodyHook   = (*hkRec)(nil)
	_ rpc.AfterReadCallBodyHook    = (*hkRec)(nil)
	_ rpc.AfterReadPushHeaderHook  = (*hkRec)(nil)
	_ rpc.BeforeReadPushBodyHook   = (*hkRec)(nil)
	_ rpc.AfterReadPushBodyHook    = (*hkRec)(nil)
	_ rpc.AfterReadReplyHeaderHook = (*hkRec)(nil)
	_ rpc.BeforeReadReplyBodyHook  = (*hkRec)(nil)
	_ rpc.AfterReadReplyBodyHook   = (*hkRec)(nil)
)

// hkLog is the log that the recorders of one test and its handlers share,
// so that the order of entries from different goroutines (and sides) is the
// order in which they happened.
type hkLog struct {
	mu      sync.Mutex
	entries []string
	// methods maps the (session, seq) of a call to its method, so that the
	// reply hooks can name the call they belong to.
	methods map[hkCallKey]string
}

type hkCallKey struct {
	s        *rpc.Session
	seq      uint32
	incoming bool // a call this side handles, not one it made
}

func (l *hkLog) add(e string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, e)
}

func (l *hkLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.entries)
}

func (l *hkLog) count(e string) int {
	n := 0
	for _, x := range l.all() {
		if x == e {
			n++
		}
	}
	return n
}

// index returns the position of the first entry e, or -1.
func (l *hkLog) index(e string) int { return slices.Index(l.all(), e) }

// about returns, in order, the entries of the given sides (the part before
// the first ':') that end in ":"+method.
func (l *hkLog) about(method string, sides ...string) []string {
	var out []string
	for _, e := range l.all() {
		side, _, _ := strings.Cut(e, ":")
		if slices.Contains(sides, side) && strings.HasSuffix(e, ":"+method) {
			out = append(out, e)
		}
	}
	return out
}

func (l *hkLog) remember(m *rpc.Message, incoming bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.methods == nil {
		l.methods = make(map[hkCallKey]string)
	}
	l.methods[hkCallKey{m.Session(), m.Seq(), incoming}] = m.ServiceMethod()
}

// methodOf names the method of a message: its own, or for a reply the one
// of the call it answers (incoming: a call this side handles).
func (l *hkLog) methodOf(m *rpc.Message, incoming bool) string {
	if s := m.ServiceMethod(); s != "" {
		return s
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.methods[hkCallKey{m.Session(), m.Seq(), incoming}]
}

// hkFail makes a hook return err, for the messages (or routes) named
// detail, or for all when detail is "".
type hkFail struct {
	detail string
	err    error
}

// hkRec is a plugin implementing every hook. Each hook appends
// "side:Hook[:method]" to the shared log, then returns the error armed for
// it, if any.
type hkRec struct {
	name, side string
	log        *hkLog
	// editConfig, if set, is applied by BeforeNewEndpoint.
	editConfig func(*rpc.Config)

	mu          sync.Mutex
	fails       map[string]hkFail
	newEP       *rpc.Endpoint
	routes      []rpc.RouteInfo
	listenAddrs []string
	dialed      []*rpc.Session
	accepted    []*rpc.Session
	readFrom    map[*rpc.Session]int
	disconnects []error
	dialFails   []error
	closeErrs   []error
	// pushCtxs holds the context of the last push read, by method: it ends
	// once the push has been handled or dropped.
	pushCtxs map[string]context.Context
}

func hkNewRec(name, side string, log *hkLog) *hkRec {
	return &hkRec{
		name: name, side: side, log: log,
		fails: map[string]hkFail{}, readFrom: map[*rpc.Session]int{}, pushCtxs: map[string]context.Context{},
	}
}

// arm makes hook fail with err for detail ("" for any).
func (r *hkRec) arm(hook, detail string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fails[hook] = hkFail{detail: detail, err: err}
}

// disarm makes hook succeed again.
func (r *hkRec) disarm(hook string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.fails, hook)
}

func (r *hkRec) hit(hook, detail string) error {
	e := r.side + ":" + hook
	if detail != "" {
		e += ":" + detail
	}
	r.log.add(e)
	r.mu.Lock()
	f, ok := r.fails[hook]
	r.mu.Unlock()
	if ok && (f.detail == "" || f.detail == detail) {
		return f.err
	}
	return nil
}

func (r *hkRec) lock(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f()
}

// hkGet reads what a recorder saw, under its lock.
func hkGet[T any](r *hkRec, f func() T) T {
	r.mu.Lock()
	defer r.mu.Unlock()
	return f()
}

func (r *hkRec) Name() string { return r.name }

func (r *hkRec) BeforeNewEndpoint(cfg *rpc.Config) error {
	if r.editConfig != nil {
		r.editConfig(cfg)
	}
	return r.hit("BeforeNewEndpoint", "")
}

func (r *hkRec) AfterNewEndpoint(e *rpc.Endpoint) error {
	r.lock(func() { r.newEP = e })
	return r.hit("AfterNewEndpoint", "")
}

func (r *hkRec) BeforeCloseEndpoint(*rpc.Endpoint) error { return r.hit("BeforeCloseEndpoint", "") }

func (r *hkRec) AfterCloseEndpoint(_ *rpc.Endpoint, err error) error {
	r.lock(func() { r.closeErrs = append(r.closeErrs, err) })
	return r.hit("AfterCloseEndpoint", "")
}

func (r *hkRec) AfterRoute(ri rpc.RouteInfo) error {
	r.lock(func() { r.routes = append(r.routes, ri) })
	return r.hit("AfterRoute", ri.Path)
}

func (r *hkRec) AfterListen(addr net.Addr) error {
	r.lock(func() { r.listenAddrs = append(r.listenAddrs, addr.String()) })
	return r.hit("AfterListen", "")
}

func (r *hkRec) BeforeDial(string, bool) error { return r.hit("BeforeDial", "") }

func (r *hkRec) AfterDial(s *rpc.Session, _ bool) error {
	r.lock(func() { r.dialed = append(r.dialed, s) })
	return r.hit("AfterDial", "")
}

func (r *hkRec) AfterDialFail(_ string, err error, _ bool) error {
	r.lock(func() { r.dialFails = append(r.dialFails, err) })
	return r.hit("AfterDialFail", "")
}

func (r *hkRec) AfterAccept(s *rpc.Session) error {
	r.lock(func() { r.accepted = append(r.accepted, s) })
	return r.hit("AfterAccept", "")
}

func (r *hkRec) AfterDisconnect(_ *rpc.Session, err error) error {
	r.lock(func() { r.disconnects = append(r.disconnects, err) })
	return r.hit("AfterDisconnect", "")
}

func (r *hkRec) BeforeWriteCall(m *rpc.Message) error {
	return r.hit("BeforeWriteCall", r.log.methodOf(m, false))
}

func (r *hkRec) AfterWriteCall(m *rpc.Message) error {
	r.log.remember(m, false)
	return r.hit("AfterWriteCall", r.log.methodOf(m, false))
}

func (r *hkRec) BeforeWriteReply(m *rpc.Message) error {
	return r.hit("BeforeWriteReply", r.log.methodOf(m, true))
}

func (r *hkRec) AfterWriteReply(m *rpc.Message) error {
	return r.hit("AfterWriteReply", r.log.methodOf(m, true))
}

func (r *hkRec) BeforeWritePush(m *rpc.Message) error {
	return r.hit("BeforeWritePush", r.log.methodOf(m, false))
}

func (r *hkRec) AfterWritePush(m *rpc.Message) error {
	return r.hit("AfterWritePush", r.log.methodOf(m, false))
}

func (r *hkRec) BeforeReadHeader(s *rpc.Session) error {
	r.lock(func() { r.readFrom[s]++ })
	return r.hit("BeforeReadHeader", "")
}

func (r *hkRec) AfterReadCallHeader(m *rpc.Message) error {
	r.log.remember(m, true)
	return r.hit("AfterReadCallHeader", r.log.methodOf(m, true))
}

func (r *hkRec) BeforeReadCallBody(m *rpc.Message) error {
	return r.hit("BeforeReadCallBody", r.log.methodOf(m, true))
}

func (r *hkRec) AfterReadCallBody(m *rpc.Message) error {
	return r.hit("AfterReadCallBody", r.log.methodOf(m, true))
}

func (r *hkRec) AfterReadPushHeader(m *rpc.Message) error {
	r.lock(func() { r.pushCtxs[m.ServiceMethod()] = m.Context() })
	return r.hit("AfterReadPushHeader", r.log.methodOf(m, true))
}

func (r *hkRec) BeforeReadPushBody(m *rpc.Message) error {
	return r.hit("BeforeReadPushBody", r.log.methodOf(m, true))
}

func (r *hkRec) AfterReadPushBody(m *rpc.Message) error {
	return r.hit("AfterReadPushBody", r.log.methodOf(m, true))
}

func (r *hkRec) AfterReadReplyHeader(m *rpc.Message) error {
	return r.hit("AfterReadReplyHeader", r.log.methodOf(m, false))
}

func (r *hkRec) BeforeReadReplyBody(m *rpc.Message) error {
	return r.hit("BeforeReadReplyBody", r.log.methodOf(m, false))
}

func (r *hkRec) AfterReadReplyBody(m *rpc.Message) error {
	return r.hit("AfterReadReplyBody", r.log.methodOf(m, false))
}

func hkMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// hkRoutes registers, on ep, the call handlers /hk/echo and /hk/other and the
// push handler /hk/note. Each handler logs "side:handler:<method>".
func hkRoutes(t testing.TB, ep *rpc.Endpoint, side string, log *hkLog) {
	t.Helper()
	echo := func(ctx *rpc.CallCtx, arg *string) (string, error) {
		log.add(side + ":handler:" + ctx.ServiceMethod())
		return *arg, nil
	}
	hkMust(t, ep.Router().HandleCall("/hk/echo", rpc.CallFunc(echo)))
	hkMust(t, ep.Router().HandleCall("/hk/other", rpc.CallFunc(echo)))
	hkMust(t, ep.Router().HandlePush("/hk/note", rpc.PushFunc(func(ctx *rpc.PushCtx, arg *string) error {
		log.add(side + ":handler:" + ctx.ServiceMethod())
		return nil
	})))
}

// hkPair starts a pair whose server has the recorder "S" and whose client
// has the recorder "C", both sharing one log, and both with hkRoutes.
// prepare, if set, may arm the recorders before the endpoints are made.
func hkPair(t *testing.T, prepare func(srv, cli *hkRec)) (*pair, *hkLog, *hkRec, *hkRec) {
	t.Helper()
	log := &hkLog{}
	srvRec := hkNewRec("srv-recorder", "S", log)
	cliRec := hkNewRec("cli-recorder", "C", log)
	if prepare != nil {
		prepare(srvRec, cliRec)
	}
	p := newPair(t, pairOptions{
		srvPlug:  []rpc.Plugin{srvRec},
		cliPlug:  []rpc.Plugin{cliRec},
		setup:    func(srv *rpc.Endpoint) { hkRoutes(t, srv, "S", log) },
		cliSetup: func(cli *rpc.Endpoint) { hkRoutes(t, cli, "C", log) },
	})
	return p, log, srvRec, cliRec
}

// hkWaitDone waits for a session to be closed for good.
func hkWaitDone(t *testing.T, what string, s *rpc.Session) {
	t.Helper()
	select {
	case <-s.Done():
	case <-testCtx(t).Done():
		t.Fatalf("timed out waiting for %s to close", what)
	}
}

func TestHookEndpointLife(t *testing.T) {
	log := &hkLog{}
	srvRec := hkNewRec("srv-recorder", "S", log)
	cliRec := hkNewRec("cli-recorder", "C", log)
	cliRec.editConfig = func(c *rpc.Config) { c.DefaultCodec = "plain" }
	p := newPair(t, pairOptions{
		srvPlug: []rpc.Plugin{srvRec},
		cliPlug: []rpc.Plugin{cliRec},
		setup: func(srv *rpc.Endpoint) {
			hkMust(t, srv.Router().HandleCall("/hk/codec", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *string) (string, error) {
				return string(ctx.BodyCodec()), nil
			})))
			hkMust(t, srv.Router().HandlePush("/hk/note", rpc.PushFunc(func(*rpc.PushCtx, *int) error { return nil })))
			hkMust(t, srv.Router().SetUnknownCall(func(*rpc.CallCtx) (any, error) { return nil, nil }))
		},
	})
	ctx := testCtx(t)
	// once checks that first and then appear once each, in that order.
	once := func(t *testing.T, first, then string) {
		t.Helper()
		if log.count(first) != 1 || log.count(then) != 1 || log.index(first) > log.index(then) {
			t.Errorf("want one %s then one %s; log %q", first, then, log.all())
		}
	}

	t.Run("new endpoint", func(t *testing.T) {
		if got := p.cli.Config().DefaultCodec; got != "plain" {
			t.Errorf("client DefaultCodec = %q, want the %q set by BeforeNewEndpoint", got, "plain")
		}
		if got := p.srv.Config().DefaultCodec; got != rpc.DefaultCodecName {
			t.Errorf("server DefaultCodec = %q, want %q", got, rpc.DefaultCodecName)
		}
		var codec string
		hkMust(t, p.sess.Call(ctx, "/hk/codec", "x", &codec))
		if codec != "s" {
			t.Errorf("the server read a body of codec %q, want the plain codec 's'", codec)
		}
		for _, r := range []struct {
			rec *hkRec
			ep  *rpc.Endpoint
		}{{srvRec, p.srv}, {cliRec, p.cli}} {
			if got := hkGet(r.rec, func() *rpc.Endpoint { return r.rec.newEP }); got != r.ep {
				t.Errorf("%s: AfterNewEndpoint got %p, want the endpoint %p", r.rec.side, got, r.ep)
			}
			once(t, r.rec.side+":BeforeNewEndpoint", r.rec.side+":AfterNewEndpoint")
		}
	})

	t.Run("after route", func(t *testing.T) {
		want := []rpc.RouteInfo{
			{Path: "/hk/codec", Arg: reflect.TypeFor[string](), Reply: reflect.TypeFor[string]()},
			{Path: "/hk/note", Push: true, Arg: reflect.TypeFor[int]()},
			{Path: "/", Fallback: true},
		}
		got := hkGet(srvRec, func() []rpc.RouteInfo { return slices.Clone(srvRec.routes) })
		if !reflect.DeepEqual(got, want) {
			t.Errorf("AfterRoute got %+v, want %+v", got, want)
		}
		for _, w := range want {
			if n := log.count("S:AfterRoute:" + w.Path); n != 1 {
				t.Errorf("AfterRoute ran %d times for %s, want 1", n, w.Path)
			}
		}
		if n := hkGet(cliRec, func() int { return len(cliRec.routes) }); n != 0 {
			t.Errorf("the client's AfterRoute ran %d times; it registered nothing", n)
		}
	})

	t.Run("dial and accept", func(t *testing.T) {
		once(t, "C:BeforeDial", "C:AfterDial")
		if n := log.count("C:AfterDialFail"); n != 0 {
			t.Errorf("AfterDialFail ran %d times on a good dial", n)
		}
		dialed := hkGet(cliRec, func() []*rpc.Session { return slices.Clone(cliRec.dialed) })
		if len(dialed) != 1 || dialed[0] != p.sess {
			t.Errorf("AfterDial got sessions %v, want the dialed session %p", dialed, p.sess)
		}
		ss := p.serverSession(t)
		waitFor(t, "AfterAccept", func() bool { return log.count("S:AfterAccept") == 1 })
		acc := hkGet(srvRec, func() []*rpc.Session { return slices.Clone(srvRec.accepted) })
		if len(acc) != 1 || acc[0] != ss {
			t.Errorf("AfterAccept got %v, want the server's session %p", acc, ss)
		}
		for _, e := range []string{"S:AfterDial", "S:BeforeDial", "C:AfterAccept"} {
			if n := log.count(e); n != 0 {
				t.Errorf("%s ran %d times", e, n)
			}
		}
	})

	// A second listener, served until Shutdown below.
	l2, err := net.Listen("tcp", "127.0.0.1:0")
	hkMust(t, err)
	served2 := make(chan error, 1)
	var serving2 bool
	t.Run("after listen", func(t *testing.T) {
		// Dial may connect before Serve runs: the kernel queues the connection.
		waitFor(t, "AfterListen", func() bool { return log.count("S:AfterListen") > 0 })
		if n := log.count("S:AfterListen"); n != 1 {
			t.Fatalf("AfterListen ran %d times for one Serve, want 1", n)
		}
		if got := hkGet(srvRec, func() string { return srvRec.listenAddrs[0] }); got != p.addr {
			t.Errorf("AfterListen got %s, want %s", got, p.addr)
		}
		serving2 = true
		go func() { served2 <- p.srv.Serve(l2) }()
		waitFor(t, "AfterListen of the second Serve", func() bool { return log.count("S:AfterListen") == 2 })
		if got := hkGet(srvRec, func() string { return srvRec.listenAddrs[1] }); got != l2.Addr().String() {
			t.Errorf("AfterListen got %s, want %s", got, l2.Addr())
		}
	})

	t.Run("disconnect", func(t *testing.T) {
		hkMust(t, p.sess.Close())
		waitFor(t, "AfterDisconnect on both sides", func() bool {
			return log.count("C:AfterDisconnect") == 1 && log.count("S:AfterDisconnect") == 1
		})
		if err := hkGet(cliRec, func() error { return cliRec.disconnects[0] }); err != nil {
			t.Errorf("client AfterDisconnect after a local Close got %v, want nil", err)
		}
	})

	t.Run("close endpoint", func(t *testing.T) {
		hkMust(t, p.srv.Shutdown(ctx))
		once(t, "S:BeforeCloseEndpoint", "S:AfterCloseEndpoint")
		if !serving2 {
			l2.Close()
			served2 <- rpc.ErrServerClosed
		}
		select {
		case err := <-served2:
			if !errors.Is(err, rpc.ErrServerClosed) {
				t.Errorf("the second Serve returned %v, want ErrServerClosed", err)
			}
		case <-ctx.Done():
			t.Error("the second Serve did not return after Shutdown")
		}
		hkMust(t, p.cli.Close())
		once(t, "C:BeforeCloseEndpoint", "C:AfterCloseEndpoint")
		for _, r := range []*hkRec{srvRec, cliRec} {
			if err := hkGet(r, func() error { return r.closeErrs[0] }); err != nil {
				t.Errorf("%s: AfterCloseEndpoint got %v, want nil", r.side, err)
			}
		}
	})
}

// TestHookOrder checks that each message hook runs once, in the documented
// order, on both sides, for calls and pushes in both directions.
func TestHookOrder(t *testing.T) {
	for _, tc := range []struct {
		name       string
		fromServer bool
		push       bool
	}{
		{"call client to server", false, false},
		{"call server to client", true, false},
		{"push client to server", false, true},
		{"push server to client", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, log, _, _ := hkPair(t, nil)
			ctx := testCtx(t)
			from, to, sess := "C", "S", p.sess
			if tc.fromServer {
				from, to, sess = "S", "C", p.serverSession(t)
			}
			h := func(side, hook, method string) string { return side + ":" + hook + ":" + method }

			var wantFrom, wantTo []string
			var method string
			if tc.push {
				method = "/hk/note"
				hkMust(t, sess.Push(ctx, method, "n"))
				waitFor(t, "the push handler", func() bool { return log.count(h(to, "handler", method)) > 0 })
				wantFrom = []string{h(from, "BeforeWritePush", method), h(from, "AfterWritePush", method)}
				wantTo = []string{
					h(to, "AfterReadPushHeader", method), h(to, "BeforeReadPushBody", method),
					h(to, "AfterReadPushBody", method), h(to, "handler", method),
				}
			} else {
				method = "/hk/echo"
				var reply string
				hkMust(t, sess.Call(ctx, method, "hi", &reply))
				if reply != "hi" {
					t.Fatalf("reply %q", reply)
				}
				// AfterWriteReply may run after the caller has its reply.
				waitFor(t, "AfterWriteReply", func() bool { return log.count(h(to, "AfterWriteReply", method)) > 0 })
				wantFrom = []string{
					h(from, "BeforeWriteCall", method), h(from, "AfterWriteCall", method),
					h(from, "AfterReadReplyHeader", method), h(from, "BeforeReadReplyBody", method),
					h(from, "AfterReadReplyBody", method),
				}
				wantTo = []string{
					h(to, "AfterReadCallHeader", method), h(to, "BeforeReadCallBody", method),
					h(to, "AfterReadCallBody", method), h(to, "handler", method),
					h(to, "BeforeWriteReply", method), h(to, "AfterWriteReply", method),
				}
			}
			// Both sides registered the routes; AfterRoute is not part of this.
			noRoute := func(es []string) []string {
				return slices.DeleteFunc(es, func(e string) bool { return strings.Contains(e, ":AfterRoute:") })
			}
			if got := noRoute(log.about(method, from)); !slices.Equal(got, wantFrom) {
				t.Errorf("sender's hooks:\n got %q\nwant %q", got, wantFrom)
			}
			if got := noRoute(log.about(method, to)); !slices.Equal(got, wantTo) {
				t.Errorf("receiver's hooks:\n got %q\nwant %q", got, wantTo)
			}

			// Happens-before across the wire.
			all := log.all()
			idx := func(e string) int { return slices.Index(all, e) }
			first := wantTo[0]
			if idx(wantFrom[0]) > idx(first) {
				t.Errorf("%s ran after %s", wantFrom[0], first)
			}
			// The receiver read a header before the frame.
			if i := idx(to + ":BeforeReadHeader"); i < 0 || i > idx(first) {
				t.Errorf("no %s:BeforeReadHeader before %s: %q", to, first, all)
			}
			if !tc.push {
				if idx(h(to, "BeforeWriteReply", method)) > idx(h(from, "AfterReadReplyHeader", method)) {
					t.Errorf("the caller read the reply header before the callee wrote it: %q", all)
				}
				if i := idx(from + ":BeforeReadHeader"); i < 0 || i > idx(h(from, "AfterReadReplyHeader", method)) {
					t.Errorf("no %s:BeforeReadHeader before the reply was read: %q", from, all)
				}
			}
		})
	}
}

// TestHookBeforeReadHeaderEveryFrame checks that BeforeReadHeader runs before
// every frame a session reads, with that session.
func TestHookBeforeReadHeaderEveryFrame(t *testing.T) {
	p, log, srvRec, _ := hkPair(t, nil)
	ctx := testCtx(t)
	ss := p.serverSession(t)
	const calls, pushes = 3, 2
	for range calls {
		hkMust(t, p.sess.Call(ctx, "/hk/echo", "x", nil))
	}
	for range pushes {
		hkMust(t, p.sess.Push(ctx, "/hk/note", "x"))
	}
	// The server read calls+pushes frames, and runs the hook once more
	// before it waits for the next.
	waitFor(t, "BeforeReadHeader before each frame", func() bool {
		return log.count("S:BeforeReadHeader") >= calls+pushes+1
	})
	srvRec.mu.Lock()
	defer srvRec.mu.Unlock()
	if len(srvRec.readFrom) != 1 || srvRec.readFrom[ss] < calls+pushes+1 {
		t.Errorf("BeforeReadHeader sessions %v, want only the server's session %p", srvRec.readFrom, ss)
	}
}

// hkErr is an error a hook returns and what the caller must see of it.
type hkErr struct {
	name string
	err  error
	code rpc.Code
	msg  string
}

var hkErrs = []hkErr{
	{"status", rpc.NewStatus(rpc.CodeUser+7, "hook says no"), rpc.CodeUser + 7, "hook says no"},
	{"plain error", errors.New("hook boom"), rpc.CodeUnknown, "hook boom"},
}

// hkWantStatus checks that err is a *Status with e's code and message, and,
// when local (the error did not cross the wire), that it reaches e.err.
func hkWantStatus(t *testing.T, err error, e hkErr, local bool) {
	t.Helper()
	var st *rpc.Status
	if !errors.As(err, &st) {
		t.Fatalf("error %v (%T) is not a *rpc.Status", err, err)
	}
	if st.Code() != e.code || st.Message() != e.msg {
		t.Errorf("got code %v message %q, want %v %q", st.Code(), st.Message(), e.code, e.msg)
	}
	if local && !errors.Is(err, e.err) {
		t.Errorf("errors.Is(%v, the hook's error) = false", err)
	}
}

// hkStillWorks checks that the session still carries calls.
func hkStillWorks(t *testing.T, s *rpc.Session) {
	t.Helper()
	var reply string
	if err := s.Call(testCtx(t), "/hk/other", "still", &reply); err != nil || reply != "still" {
		t.Fatalf("a later call got %q, %v; want the session to work", reply, err)
	}
}

func TestHookBeforeErrors(t *testing.T) {
	cases := []struct {
		hook string
		run  func(t *testing.T, e hkErr)
	}{
		{"BeforeWriteCall", func(t *testing.T, e hkErr) {
			p, log, _, cli := hkPair(t, nil)
			cli.arm("BeforeWriteCall", "/hk/echo", e.err)
			err := p.sess.Call(testCtx(t), "/hk/echo", "x", nil)
			hkWantStatus(t, err, e, true)
			hkStillWorks(t, p.sess)
			// The later call came after; had the failed one been sent,
			// the server would have read it first.
			if n := log.count("S:AfterReadCallHeader:/hk/echo"); n != 0 {
				t.Errorf("the server read the failed call")
			}
		}},
		{"AfterReadCallHeader", func(t *testing.T, e hkErr) { hkServerCallFails(t, "AfterReadCallHeader", e, false) }},
		{"BeforeReadCallBody", func(t *testing.T, e hkErr) { hkServerCallFails(t, "BeforeReadCallBody", e, false) }},
		{"AfterReadCallBody", func(t *testing.T, e hkErr) { hkServerCallFails(t, "AfterReadCallBody", e, false) }},
		{"BeforeWriteReply", func(t *testing.T, e hkErr) { hkServerCallFails(t, "BeforeWriteReply", e, true) }},
		{"BeforeWritePush", func(t *testing.T, e hkErr) {
			p, log, _, cli := hkPair(t, nil)
			cli.arm("BeforeWritePush", "/hk/note", e.err)
			err := p.sess.Push(testCtx(t), "/hk/note", "x")
			hkWantStatus(t, err, e, true)
			hkStillWorks(t, p.sess)
			if n := log.count("S:AfterReadPushHeader:/hk/note"); n != 0 {
				t.Errorf("the server read the failed push")
			}
		}},
		{"AfterReadPushHeader", func(t *testing.T, e hkErr) { hkServerPushDropped(t, "AfterReadPushHeader", e) }},
		{"BeforeReadPushBody", func(t *testing.T, e hkErr) { hkServerPushDropped(t, "BeforeReadPushBody", e) }},
		{"AfterReadPushBody", func(t *testing.T, e hkErr) { hkServerPushDropped(t, "AfterReadPushBody", e) }},
		{"AfterReadReplyHeader", func(t *testing.T, e hkErr) { hkClientReplyFails(t, "AfterReadReplyHeader", e) }},
		{"BeforeReadReplyBody", func(t *testing.T, e hkErr) { hkClientReplyFails(t, "BeforeReadReplyBody", e) }},
		{"AfterReadReplyBody", func(t *testing.T, e hkErr) { hkClientReplyFails(t, "AfterReadReplyBody", e) }},
		{"BeforeDial", func(t *testing.T, e hkErr) { hkDialFails(t, "BeforeDial", e) }},
		{"AfterDial", func(t *testing.T, e hkErr) { hkDialFails(t, "AfterDial", e) }},
		{"AfterAccept", func(t *testing.T, e hkErr) {
			p, log, srv, _ := hkPair(t, func(srv, _ *hkRec) { srv.arm("AfterAccept", "", e.err) })
			hkWaitDone(t, "the refused client session", p.sess)
			if got := rpc.CodeOf(p.sess.Err()); got != e.code {
				t.Errorf("client session closed with %v (code %v), want the refusal's code %v", p.sess.Err(), got, e.code)
			}
			err := p.sess.Call(testCtx(t), "/hk/echo", "x", nil)
			if got := rpc.CodeOf(err); got != rpc.CodeConnClosed {
				t.Errorf("call on a refused session: %v (code %v), want CodeConnClosed", err, got)
			}
			waitFor(t, "the server to drop the session", func() bool { return p.srv.CountSessions() == 0 })
			if log.count("S:AfterReadCallHeader:/hk/echo") != 0 || hkGet(srv, func() int { return len(srv.readFrom) }) != 0 {
				t.Errorf("the refused session was read from: %q", log.all())
			}
		}},
		{"BeforeNewEndpoint", func(t *testing.T, e hkErr) { hkNewEndpointFails(t, "BeforeNewEndpoint", e) }},
		{"AfterNewEndpoint", func(t *testing.T, e hkErr) { hkNewEndpointFails(t, "AfterNewEndpoint", e) }},
		{"AfterRoute", func(t *testing.T, e hkErr) {
			p, log, srv, _ := hkPair(t, nil)
			srv.arm("AfterRoute", "/hk_late/b", e.err)
			paths, err := p.srv.Router().RouteCall(new(HkLate))
			if !errors.Is(err, e.err) || rpc.CodeOf(err) != e.code {
				t.Fatalf("RouteCall returned %v, want the hook's error", err)
			}
			if paths != nil {
				t.Errorf("RouteCall returned paths %q with its error", paths)
			}
			// Registration is all or none: neither method is routed.
			for _, m := range []string{"/hk_late/a", "/hk_late/b"} {
				if got := rpc.CodeOf(p.sess.Call(testCtx(t), m, 1, nil)); got != rpc.CodeNotFound {
					t.Errorf("call to %s after the failed route: code %v, want CodeNotFound", m, got)
				}
				for _, ri := range p.srv.Router().Routes() {
					if ri.Path == m {
						t.Errorf("Routes lists %s", m)
					}
				}
			}
			if log.count("S:AfterRoute:/hk_late/b") != 1 {
				t.Errorf("AfterRoute did not run for the failing route: %q", log.all())
			}
			// The same path may be registered once the hook agrees.
			srv.disarm("AfterRoute")
			if _, err := p.srv.Router().RouteCall(new(HkLate)); err != nil {
				t.Fatalf("RouteCall after the hook relented: %v", err)
			}
			var got int
			hkMust(t, p.sess.Call(testCtx(t), "/hk_late/b", 5, &got))
			if got != 5 {
				t.Errorf("reply %d", got)
			}
		}},
		{"AfterListen", func(t *testing.T, e hkErr) {
			rec := hkNewRec("listen", "S", &hkLog{})
			rec.arm("AfterListen", "", e.err)
			ep, err := rpc.NewEndpoint(rpc.Config{}, rec)
			hkMust(t, err)
			defer ep.Close()
			l, err := net.Listen("tcp", "127.0.0.1:0")
			hkMust(t, err)
			err = ep.Serve(l)
			if !errors.Is(err, e.err) {
				t.Errorf("Serve returned %v, want the hook's error", err)
			}
			if _, aerr := l.Accept(); !errors.Is(aerr, net.ErrClosed) {
				t.Errorf("Accept on the listener after the hook failed: %v, want net.ErrClosed", aerr)
			}
		}},
		{"BeforeReadHeader", func(t *testing.T, e hkErr) {
			p, log, srv, _ := hkPair(t, nil)
			ss := p.serverSession(t)
			hkStillWorks(t, p.sess)
			srv.arm("BeforeReadHeader", "", e.err)
			// The hook fails before the server reads its next frame. The
			// reader may already be there (it runs the hook right after the
			// last call), closing the session before this push is sent.
			if err := p.sess.Push(testCtx(t), "/hk/note", "x"); err != nil && rpc.CodeOf(err) != rpc.CodeConnClosed {
				t.Fatalf("push: %v, want it sent or CodeConnClosed", err)
			}
			hkWaitDone(t, "the server session", ss)
			if got := rpc.CodeOf(ss.Err()); got != e.code {
				t.Errorf("server session closed with %v (code %v), want %v", ss.Err(), got, e.code)
			}
			hkWaitDone(t, "the client session", p.sess)
			if got := rpc.CodeOf(p.sess.Call(testCtx(t), "/hk/echo", "x", nil)); got != rpc.CodeConnClosed {
				t.Errorf("call on the closed session: code %v, want CodeConnClosed", got)
			}
			waitFor(t, "AfterDisconnect", func() bool { return log.count("S:AfterDisconnect") == 1 })
			derr := hkGet(srv, func() error { return srv.disconnects[0] })
			if rpc.CodeOf(derr) != e.code {
				t.Errorf("AfterDisconnect got %v, want the hook's code %v", derr, e.code)
			}
		}},
		{"BeforeCloseEndpoint", func(t *testing.T, e hkErr) {
			p, log, srv, _ := hkPair(t, nil)
			srv.arm("BeforeCloseEndpoint", "", e.err)
			if err := p.srv.Shutdown(testCtx(t)); !errors.Is(err, e.err) {
				t.Fatalf("Shutdown returned %v, want the hook's error", err)
			}
			if n := log.count("S:AfterCloseEndpoint"); n != 0 {
				t.Errorf("AfterCloseEndpoint ran %d times after a stopped Shutdown", n)
			}
			// It keeps serving: the session works and new sessions are accepted.
			hkStillWorks(t, p.sess)
			s2, err := p.cli.Dial(testCtx(t), p.addr)
			if err != nil {
				t.Fatalf("dial after the stopped Shutdown: %v", err)
			}
			hkStillWorks(t, s2)
			// Close cannot be stopped: it closes and returns the error.
			if err := p.srv.Close(); !errors.Is(err, e.err) {
				t.Errorf("Close returned %v, want it to include the hook's error", err)
			}
			hkWaitDone(t, "the client session after Close", p.sess)
			hkWaitDone(t, "the second client session after Close", s2)
			if n := log.count("S:AfterCloseEndpoint"); n != 1 {
				t.Errorf("AfterCloseEndpoint ran %d times after Close, want 1", n)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.hook, func(t *testing.T) {
			for _, e := range hkErrs {
				t.Run(e.name, func(t *testing.T) { c.run(t, e) })
			}
		})
	}
}

// HkLate has two call handlers, "/hk_late/a" and "/hk_late/b".
type HkLate struct{}

func (HkLate) A(_ *rpc.CallCtx, arg *int) (int, error) { return *arg, nil }
func (HkLate) B(_ *rpc.CallCtx, arg *int) (int, error) { return *arg, nil }

// hkServerCallFails arms a server hook of the call path and checks that the
// caller gets the hook's status, and whether the handler ran.
func hkServerCallFails(t *testing.T, hook string, e hkErr, handlerRuns bool) {
	t.Helper()
	p, log, srv, _ := hkPair(t, nil)
	srv.arm(hook, "/hk/echo", e.err)
	var reply string
	err := p.sess.Call(testCtx(t), "/hk/echo", "x", &reply)
	hkWantStatus(t, err, e, false)
	if reply != "" {
		t.Errorf("the caller got the reply %q with the error", reply)
	}
	// The error reply is sent after the handler would have returned.
	want := 0
	if handlerRuns {
		want = 1
	}
	if n := log.count("S:handler:/hk/echo"); n != want {
		t.Errorf("the handler ran %d times, want %d", n, want)
	}
	hkStillWorks(t, p.sess)
}

// hkServerPushDropped arms a server hook of the push path and checks that
// the push is dropped before its handler and that the session goes on.
func hkServerPushDropped(t *testing.T, hook string, e hkErr) {
	t.Helper()
	p, log, srv, _ := hkPair(t, nil)
	srv.arm(hook, "/hk/note", e.err)
	hkMust(t, p.sess.Push(testCtx(t), "/hk/note", "x"))
	waitFor(t, hook, func() bool { return log.count("S:"+hook+":/hk/note") > 0 })
	// The push's context ends once it has been handled or dropped.
	pctx := hkGet(srv, func() context.Context { return srv.pushCtxs["/hk/note"] })
	select {
	case <-pctx.Done():
	case <-testCtx(t).Done():
		t.Fatal("the dropped push's context did not end")
	}
	if n := log.count("S:handler:/hk/note"); n != 0 {
		t.Errorf("the push handler ran %d times", n)
	}
	if n := log.count("S:" + hook + ":/hk/note"); n != 1 {
		t.Errorf("%s ran %d times, want 1", hook, n)
	}
	hkStillWorks(t, p.sess)
}

// hkClientReplyFails arms a client hook of the reply path.
func hkClientReplyFails(t *testing.T, hook string, e hkErr) {
	t.Helper()
	p, log, _, cli := hkPair(t, nil)
	cli.arm(hook, "/hk/echo", e.err)
	err := p.sess.Call(testCtx(t), "/hk/echo", "x", nil)
	hkWantStatus(t, err, e, true)
	if n := log.count("S:handler:/hk/echo"); n != 1 {
		t.Errorf("the handler ran %d times, want 1", n)
	}
	hkStillWorks(t, p.sess)
}

// hkDialFails arms a dial hook of the client and dials again.
func hkDialFails(t *testing.T, hook string, e hkErr) {
	t.Helper()
	p, log, _, cli := hkPair(t, nil)
	cli.arm(hook, "", e.err)
	s, err := p.cli.Dial(testCtx(t), p.addr)
	if s != nil {
		t.Errorf("Dial returned a session with its error")
	}
	hkWantStatus(t, err, e, true)
	if n := log.count("C:AfterDialFail"); n != 1 {
		t.Errorf("AfterDialFail ran %d times after %s failed, want 1", n, hook)
	} else if derr := hkGet(cli, func() error { return cli.dialFails[0] }); rpc.CodeOf(derr) != e.code {
		t.Errorf("AfterDialFail got %v, want code %v", derr, e.code)
	}
	if n := p.cli.CountSessions(); n != 1 {
		t.Errorf("the client has %d sessions, want only the first", n)
	}
	hkStillWorks(t, p.sess)
}

func hkNewEndpointFails(t *testing.T, hook string, e hkErr) {
	t.Helper()
	rec := hkNewRec("rec", "S", &hkLog{})
	rec.arm(hook, "", e.err)
	ep, err := rpc.NewEndpoint(rpc.Config{}, rec)
	if ep != nil {
		ep.Close()
		t.Errorf("NewEndpoint returned an endpoint with its error")
	}
	if !errors.Is(err, e.err) || rpc.CodeOf(err) != e.code {
		t.Errorf("NewEndpoint returned %v (code %v), want the hook's error", err, rpc.CodeOf(err))
	}
}

// hkWarned counts the server's Warn lines that contain s.
func hkWarned(p *pair, s string) int {
	n := 0
	for _, line := range strings.Split(p.srvLog.String(), "\n") {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// TestHookAfterErrors checks that errors of "after" hooks do not stop their
// step: they are logged, or joined to Close's result.
func TestHookAfterErrors(t *testing.T) {
	e := hkErrs[0]
	t.Run("AfterWriteReply", func(t *testing.T) {
		p, _, srv, _ := hkPair(t, nil)
		srv.arm("AfterWriteReply", "/hk/echo", e.err)
		var reply string
		hkMust(t, p.sess.Call(testCtx(t), "/hk/echo", "ok", &reply))
		waitFor(t, "the warning", func() bool { return hkWarned(p, hkErrs[0].msg) == 1 })
	})
	t.Run("AfterWriteCall", func(t *testing.T) {
		p, _, srv, _ := hkPair(t, nil)
		srv.arm("AfterWriteCall", "/hk/echo", e.err)
		var reply string
		hkMust(t, p.serverSession(t).Call(testCtx(t), "/hk/echo", "ok", &reply))
		if reply != "ok" || hkWarned(p, hkErrs[0].msg) != 1 {
			t.Errorf("reply %q, log %s", reply, p.srvLog.String())
		}
	})
	t.Run("AfterCloseEndpoint", func(t *testing.T) {
		p, _, srv, _ := hkPair(t, nil)
		srv.arm("AfterCloseEndpoint", "", e.err)
		if err := p.srv.Close(); !errors.Is(err, e.err) {
			t.Errorf("Close returned %v, want the hook's error", err)
		}
	})
}

// TestHookRoutePlugins checks that plugins given to a group or a route run
// after the endpoint's, outer groups first, in the hooks that follow
// routing, and only for their routes.
func TestHookRoutePlugins(t *testing.T) {
	log := &hkLog{}
	srvRec := hkNewRec("srv", "S", log)
	group := hkNewRec("group", "G", log)
	nested := hkNewRec("nested", "N", log)
	route := hkNewRec("route", "R", log)
	echo := rpc.CallFunc(func(ctx *rpc.CallCtx, arg *string) (string, error) {
		log.add("S:handler:" + ctx.ServiceMethod())
		return *arg, nil
	})
	p := newPair(t, pairOptions{
		srvPlug: []rpc.Plugin{srvRec},
		setup: func(srv *rpc.Endpoint) {
			g, err := srv.Router().Group("/g", group)
			hkMust(t, err)
			n, err := g.Group("/n", nested)
			hkMust(t, err)
			hkMust(t, n.HandleCall("/echo", echo, route))
			hkMust(t, g.HandleCall("/echo", echo))
			hkMust(t, g.HandlePush("/note", rpc.PushFunc(func(ctx *rpc.PushCtx, _ *string) error {
				log.add("S:handler:" + ctx.ServiceMethod())
				return nil
			})))
			hkMust(t, srv.Router().HandleCall("/hk/echo", echo))
		},
	})
	ctx := testCtx(t)
	server := []string{"S", "G", "N", "R"}

	t.Run("after route", func(t *testing.T) {
		want := []string{
			"S:AfterRoute:/g/n/echo", "G:AfterRoute:/g/n/echo", "N:AfterRoute:/g/n/echo", "R:AfterRoute:/g/n/echo",
		}
		if got := log.about("/g/n/echo", server...); !slices.Equal(got, want) {
			t.Errorf("got %q\nwant %q", got, want)
		}
		if got := log.about("/hk/echo", server...); !slices.Equal(got, []string{"S:AfterRoute:/hk/echo"}) {
			t.Errorf("root route: %q", got)
		}
	})

	// call calls method and waits for the AfterWriteReply of last, the
	// route's innermost plugin, which may run after the caller has its reply.
	call := func(t *testing.T, method, last string) {
		t.Helper()
		var reply string
		hkMust(t, p.sess.Call(ctx, method, "x", &reply))
		waitFor(t, "AfterWriteReply", func() bool { return log.count(last+":AfterWriteReply:"+method) == 1 })
	}
	expand := func(method string, steps []string, sides ...string) []string {
		var out []string
		for _, st := range steps {
			if st == "AfterReadCallHeader" || st == "AfterReadPushHeader" || st == "handler" {
				out = append(out, "S:"+st+":"+method)
				continue
			}
			for _, s := range sides {
				out = append(out, s+":"+st+":"+method)
			}
		}
		return out
	}
	callSteps := []string{
		"AfterReadCallHeader", "BeforeReadCallBody", "AfterReadCallBody", "handler", "BeforeWriteReply", "AfterWriteReply",
	}

	t.Run("nested route", func(t *testing.T) {
		call(t, "/g/n/echo", "R")
		want := append([]string{
			"S:AfterRoute:/g/n/echo", "G:AfterRoute:/g/n/echo", "N:AfterRoute:/g/n/echo", "R:AfterRoute:/g/n/echo",
		}, expand("/g/n/echo", callSteps, "S", "G", "N", "R")...)
		if got := log.about("/g/n/echo", server...); !slices.Equal(got, want) {
			t.Errorf("got %q\nwant %q", got, want)
		}
	})
	t.Run("group route", func(t *testing.T) {
		call(t, "/g/echo", "G")
		want := append([]string{"S:AfterRoute:/g/echo", "G:AfterRoute:/g/echo"}, expand("/g/echo", callSteps, "S", "G")...)
		if got := log.about("/g/echo", server...); !slices.Equal(got, want) {
			t.Errorf("got %q\nwant %q", got, want)
		}
	})
	t.Run("group push", func(t *testing.T) {
		hkMust(t, p.sess.Push(ctx, "/g/note", "x"))
		waitFor(t, "the push handler", func() bool { return log.count("S:handler:/g/note") == 1 })
		want := append([]string{"S:AfterRoute:/g/note", "G:AfterRoute:/g/note"},
			expand("/g/note", []string{"AfterReadPushHeader", "BeforeReadPushBody", "AfterReadPushBody", "handler"}, "S", "G")...)
		if got := log.about("/g/note", server...); !slices.Equal(got, want) {
			t.Errorf("got %q\nwant %q", got, want)
		}
	})
	t.Run("root route", func(t *testing.T) {
		call(t, "/hk/echo", "S")
		want := append([]string{"S:AfterRoute:/hk/echo"}, expand("/hk/echo", callSteps, "S")...)
		if got := log.about("/hk/echo", server...); !slices.Equal(got, want) {
			t.Errorf("got %q\nwant %q", got, want)
		}
	})
	t.Run("only the hooks after routing", func(t *testing.T) {
		allowed := []string{
			"AfterRoute", "BeforeReadCallBody", "AfterReadCallBody", "BeforeWriteReply", "AfterWriteReply",
			"BeforeReadPushBody", "AfterReadPushBody",
		}
		for _, e := range log.all() {
			parts := strings.SplitN(e, ":", 3)
			if parts[0] != "S" && parts[0] != "C" && !slices.Contains(allowed, parts[1]) {
				t.Errorf("route plugin ran %s", e)
			}
		}
	})
	t.Run("a route-level error", func(t *testing.T) {
		group.arm("BeforeReadCallBody", "/g/echo", hkErrs[0].err)
		err := p.sess.Call(ctx, "/g/echo", "x", nil)
		hkWantStatus(t, err, hkErrs[0], false)
		var reply string
		hkMust(t, p.sess.Call(ctx, "/hk/echo", "root", &reply))
	})
}

func TestHookPluginContainer(t *testing.T) {
	log := &hkLog{}
	a, a2, b := hkNewRec("a", "A", log), hkNewRec("a", "A2", log), hkNewRec("b", "B", log)
	for _, tc := range []struct {
		name    string
		plugins []rpc.Plugin
	}{
		{"nil plugin", []rpc.Plugin{a, nil}},
		{"same name twice", []rpc.Plugin{a, b, a2}},
		{"same plugin twice", []rpc.Plugin{a, a}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ep, err := rpc.NewEndpoint(rpc.Config{}, tc.plugins...)
			if err == nil {
				ep.Close()
				t.Fatal("NewEndpoint accepted the plugins")
			}
		})
	}
	if n := len(log.all()); n != 0 {
		t.Errorf("hooks of refused plugins ran: %q", log.all())
	}

	ep, err := rpc.NewEndpoint(rpc.Config{}, a, b)
	hkMust(t, err)
	defer ep.Close()
	for _, tc := range []struct {
		name    string
		plugins []rpc.Plugin
	}{
		{"group plugin named like the endpoint's", []rpc.Plugin{a2}},
		{"nil group plugin", []rpc.Plugin{nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ep.Router().Group("/g", tc.plugins...); err == nil {
				t.Error("Group accepted the plugins")
			}
			if _, err := ep.Router().RouteCall(new(HkLate), tc.plugins...); err == nil {
				t.Error("RouteCall accepted the plugins")
			}
		})
	}
	g, err := ep.Router().Group("/g", hkNewRec("c", "C", log))
	hkMust(t, err)
	if _, err := g.RouteCall(new(HkLate), hkNewRec("c", "C2", log)); err == nil {
		t.Error("RouteCall accepted a plugin named like its group's")
	}
}

// hkReplyProbe records what reply hooks see of the message.
type hkReplyProbe struct {
	mu  sync.Mutex
	got []string
}

func (p *hkReplyProbe) Name() string { return "reply-probe" }

func (p *hkReplyProbe) note(hook string, m *rpc.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, hook+" type="+m.Type().String()+" method="+m.ServiceMethod())
	return nil
}

func (p *hkReplyProbe) BeforeWriteReply(m *rpc.Message) error { return p.note("BeforeWriteReply", m) }
func (p *hkReplyProbe) AfterWriteReply(m *rpc.Message) error  { return p.note("AfterWriteReply", m) }
func (p *hkReplyProbe) AfterReadReplyHeader(m *rpc.Message) error {
	return p.note("AfterReadReplyHeader", m)
}
func (p *hkReplyProbe) BeforeReadReplyBody(m *rpc.Message) error {
	return p.note("BeforeReadReplyBody", m)
}
func (p *hkReplyProbe) AfterReadReplyBody(m *rpc.Message) error {
	return p.note("AfterReadReplyBody", m)
}

// TestHookReplyServiceMethod checks what Message.ServiceMethod documents:
// "On a reply it is the method of the call it answers."
func TestHookReplyServiceMethod(t *testing.T) {
	srvProbe, cliProbe := &hkReplyProbe{}, &hkReplyProbe{}
	p := newPair(t, pairOptions{
		srvPlug: []rpc.Plugin{srvProbe},
		cliPlug: []rpc.Plugin{cliProbe},
		setup:   func(srv *rpc.Endpoint) { hkRoutes(t, srv, "S", &hkLog{}) },
	})
	hkMust(t, p.sess.Call(testCtx(t), "/hk/echo", "x", nil))
	waitFor(t, "AfterWriteReply", func() bool {
		srvProbe.mu.Lock()
		defer srvProbe.mu.Unlock()
		return len(srvProbe.got) == 2
	})
	typ := rpc.TypeReply.String()
	want := map[*hkReplyProbe][]string{
		srvProbe: {"BeforeWriteReply", "AfterWriteReply"},
		cliProbe: {"AfterReadReplyHeader", "BeforeReadReplyBody", "AfterReadReplyBody"},
	}
	for probe, hooks := range want {
		var w []string
		for _, h := range hooks {
			w = append(w, h+" type="+typ+" method=/hk/echo")
		}
		probe.mu.Lock()
		got := slices.Clone(probe.got)
		probe.mu.Unlock()
		if !slices.Equal(got, w) {
			t.Errorf("reply hooks saw\n %q\nwant\n %q", got, w)
		}
	}
}

// hkEditor changes messages in the hooks that may: the client's
// BeforeWriteCall adds metadata and sends "/alias" to "/hk/meta", the
// server's AfterReadCallHeader routes "/old" to "/hk/meta", and its
// BeforeWriteReply adds reply metadata.
type hkEditor struct{ name string }

func (e hkEditor) Name() string { return e.name }

func (hkEditor) BeforeWriteCall(m *rpc.Message) error {
	m.Meta().Set("added", "by-hook")
	if m.ServiceMethod() == "/alias" {
		m.SetServiceMethod("/hk/meta")
	}
	return nil
}

func (hkEditor) AfterReadCallHeader(m *rpc.Message) error {
	if m.ServiceMethod() == "/old" {
		m.SetServiceMethod("/hk/meta")
	}
	return nil
}

func (hkEditor) BeforeWriteReply(m *rpc.Message) error {
	m.Meta().Set("reply-added", "by-hook")
	return nil
}

func TestHookMessageEdits(t *testing.T) {
	p := newPair(t, pairOptions{
		srvPlug: []rpc.Plugin{hkEditor{"srv-editor"}},
		cliPlug: []rpc.Plugin{hkEditor{"cli-editor"}},
		setup: func(srv *rpc.Endpoint) {
			hkMust(t, srv.Router().HandleCall("/hk/meta", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *int) (string, error) {
				return ctx.ServiceMethod() + " " + ctx.PeekMeta("added"), nil
			})))
		},
	})
	for _, tc := range []struct{ method, want string }{
		{"/hk/meta", "/hk/meta by-hook"},
		{"/alias", "/hk/meta by-hook"},
		{"/old", "/hk/meta by-hook"},
	} {
		t.Run(tc.method, func(t *testing.T) {
			var got string
			var md rpc.Metadata
			hkMust(t, p.sess.Call(testCtx(t), tc.method, 1, &got, rpc.WithReplyMeta(&md)))
			if got != tc.want || md.Get("reply-added") != "by-hook" {
				t.Errorf("got %q, reply meta %v; want %q and the hook's reply metadata", got, md.Map(), tc.want)
			}
		})
	}
}
