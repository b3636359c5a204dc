package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/codec"
	"github.com/dmicro-go/dmicro/plugin/proxy"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// backend is an upstream server with the handlers the tests call.
type backend struct {
	name    string
	ep      *rpc.Endpoint
	addr    string
	pushes  chan pushed
	started chan struct{} // a /block handler started
	ended   chan error    // a /block handler's context ended, for this reason
	release chan struct{} // closed to let /gate handlers return
}

type pushed struct {
	method string
	body   string
	meta   map[string]string
	codec  byte
}

// deadlineInfo is what /deadline answers: the handler's deadline.
type deadlineInfo struct {
	Has      bool
	Deadline time.Time
}

// point is a body the tests send in XML.
type point struct {
	X, Y int
}

// startBackend starts a backend on addr ("" for a fresh port) and closes it
// when the test ends.
func startBackend(t testing.TB, name, addr string, cfg rpc.Config) *backend {
	t.Helper()
	if addr == "" {
		addr = rpctest.Loopback(t)
	}
	cfg.ListenAddr = addr
	cfg.Codecs = append(cfg.Codecs, tagged{})
	ep, err := rpc.NewEndpoint(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{name: name, ep: ep, pushes: make(chan pushed, 64), started: make(chan struct{}, 64), ended: make(chan error, 64), release: make(chan struct{})}
	r := ep.Router()
	must(t, r.HandleCall("/math/add", rpc.CallFunc(func(_ *rpc.CallCtx, nums *[]int) (int, error) {
		sum := 0
		for _, n := range *nums {
			sum += n
		}
		return sum, nil
	})))
	must(t, r.HandleCall("/who", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) { return name, nil })))
	must(t, r.HandleCall("/meta", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (map[string]string, error) {
		ctx.SetReplyMeta("served-by", name)
		ctx.SetReplyMeta("trace", ctx.PeekMeta("trace")+"/"+name)
		return ctx.RequestMeta().Map(), nil
	})))
	must(t, r.HandleCall("/fail", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (int, error) {
		ctx.SetReplyMeta("why", "told to")
		return 0, rpc.Errorf(rpc.CodeUser+7, "x")
	})))
	must(t, r.HandleCall("/deadline", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (deadlineInfo, error) {
		dl, ok := ctx.Context().Deadline()
		return deadlineInfo{Has: ok, Deadline: dl}, nil
	})))
	must(t, r.HandleCall("/block", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (int, error) {
		hctx := ctx.Context()
		b.started <- struct{}{}
		<-hctx.Done()
		b.ended <- context.Cause(hctx)
		return 0, hctx.Err()
	})))
	must(t, r.HandleCall("/gate", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (string, error) {
		b.started <- struct{}{}
		select {
		case <-b.release:
			return "released", nil
		case <-ctx.Context().Done():
			return "", ctx.Context().Err()
		}
	})))
	must(t, r.HandleCall("/xml", rpc.CallFunc(func(ctx *rpc.CallCtx, p *point) (point, error) {
		if ctx.BodyCodec() != 'x' {
			return point{}, rpc.Errorf(rpc.CodeInvalidArgument, "body codec %q, want xml", ctx.BodyCodec())
		}
		return point{X: p.X * 2, Y: p.Y * 2}, nil
	})))
	must(t, r.HandleCall("/tagged", rpc.CallFunc(func(_ *rpc.CallCtx, s *string) (string, error) {
		return strings.ToUpper(*s), nil
	})))
	must(t, r.SetUnknownPush(func(ctx *rpc.PushCtx) error {
		var body string
		if err := ctx.Decode(&body); err != nil {
			return err
		}
		b.pushes <- pushed{method: ctx.ServiceMethod(), body: body, meta: ctx.RequestMeta().Map(), codec: ctx.BodyCodec()}
		return nil
	}))
	b.serve(t)
	return b
}

// serve listens and serves b.ep, and closes it when the test ends.
func (b *backend) serve(t testing.TB) {
	t.Helper()
	l, err := b.ep.Listen(context.Background())
	if err != nil {
		b.ep.Close()
		t.Fatal(err)
	}
	b.addr = l.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.ep.Serve(l)
	}()
	t.Cleanup(func() {
		b.ep.Close()
		<-done
	})
}

// startProxy starts an endpoint (configured by cfg) with a proxy
// (configured by pcfg) in front, and closes it when the test ends.
func startProxy(t testing.TB, pcfg proxy.Config, cfg rpc.Config) (*proxy.Proxy, *rpc.Endpoint, string) {
	t.Helper()
	p, err := proxy.New(pcfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ListenAddr = rpctest.Loopback(t)
	ep, err := rpc.NewEndpoint(cfg, p)
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{ep: ep}
	b.serve(t)
	return p, ep, b.addr
}

// proxied starts a backend and, in front of it, a proxy configured by pcfg
// (its Addr set to the backend's) on an endpoint configured by cfg, and
// dials the proxy.
func proxied(t testing.TB, pcfg proxy.Config, cfg rpc.Config) (*backend, *rpc.Session) {
	t.Helper()
	b := startBackend(t, "b", "", rpc.Config{})
	pcfg.Addr = b.addr
	_, _, addr := startProxy(t, pcfg, cfg)
	return b, dial(t, addr, rpc.Config{})
}

// dial dials addr from a new client endpoint, closed when the test ends.
func dial(t testing.TB, addr string, cfg rpc.Config) *rpc.Session {
	t.Helper()
	cfg.Codecs = append(cfg.Codecs, tagged{})
	return rpctest.Dial(t, cfg, addr)
}

// newClient returns a client endpoint for Config.Client, closed when the
// test ends.
func newClient(t testing.TB, cfg rpc.Config, plugins ...rpc.Plugin) *rpc.Endpoint {
	t.Helper()
	cli, err := rpc.NewEndpoint(cfg, plugins...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// deadAddr returns a loopback address that refuses connections.
func deadAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// recv receives from ch, failing the test if nothing comes within
// rpctest.Timeout.
func recv[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(rpctest.Timeout):
		t.Fatalf("nothing received in %v", rpctest.Timeout)
		panic("unreachable")
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// add calls /math/add with 1, 2, 3 and checks the sum.
func add(t testing.TB, s *rpc.Session) {
	t.Helper()
	var sum int
	if err := s.Call(rpctest.Context(t), "/math/add", []int{1, 2, 3}, &sum); err != nil {
		t.Fatal(err)
	}
	if sum != 6 {
		t.Fatalf("sum %d, want 6", sum)
	}
}

// wantStatus checks that err is a status with code and a message holding
// each of words.
func wantStatus(t testing.TB, err error, code rpc.Code, words ...string) {
	t.Helper()
	var st *rpc.Status
	if !errors.As(err, &st) {
		t.Fatalf("error %v (%T), want a *rpc.Status with code %v", err, err, code)
	}
	if st.Code() != code {
		t.Fatalf("error %v: code %v, want %v", err, st.Code(), code)
	}
	for _, w := range words {
		if !strings.Contains(st.Message(), w) {
			t.Fatalf("error %v: message does not say %q", err, w)
		}
	}
}

// tagged is a codec of strings that the proxy's endpoints do not have: it
// writes "T:" and the string, and reads only that.
type tagged struct{}

func (tagged) ID() byte     { return 'T' }
func (tagged) Name() string { return "tagged" }

func (tagged) Marshal(dst []byte, v any) ([]byte, error) {
	switch s := v.(type) {
	case string:
		return append(append(dst, "T:"...), s...), nil
	case *string:
		return append(append(dst, "T:"...), *s...), nil
	}
	return dst, fmt.Errorf("tagged: cannot encode %T: %w", v, codec.ErrUnsupportedType)
}

func (tagged) Unmarshal(data []byte, v any) error {
	s, ok := v.(*string)
	if !ok {
		return fmt.Errorf("tagged: cannot decode into %T: %w", v, codec.ErrUnsupportedType)
	}
	rest, ok := strings.CutPrefix(string(data), "T:")
	if !ok {
		return fmt.Errorf("tagged: no tag: %w", codec.ErrDecode)
	}
	*s = rest
	return nil
}
