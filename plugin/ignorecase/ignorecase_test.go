package ignorecase_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/plugin/ignorecase"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/rpc/wire"
	wirehttp "github.com/dmicro-go/dmicro/rpc/wire/http"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

var formats = []struct {
	name   string
	format wire.Format
}{
	{"tcp", nil},
	{"http", wirehttp.Format{}},
}

// eachFormat runs test over each format, checking for leaks.
func eachFormat(t *testing.T, test func(t *testing.T, format wire.Format)) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			leakcheck.Check(t)
			test(t, f.format)
		})
	}
}

// served is an endpoint with the plugin, serving over format until the
// test ends:
//
//	/math/add            rpctest.Math
//	/my_call/echo        the argument
//	/Legacy/Path         "legacy", a path with capitals
//	/note/take           a push, sent to notes
//	/proxy/...           a fallback that answers the method it saw
//	/proxy/deep/...      the same, "deep:" in front
//	everything else      the root's fallback, "root:" in front
//	/events/...          a push fallback, the method sent to notes
type served struct {
	ep    *rpc.Endpoint
	addr  string
	notes chan string
}

func serve(t *testing.T, format wire.Format, plugins ...rpc.Plugin) *served {
	t.Helper()
	ep, err := rpc.NewEndpoint(rpc.Config{Format: format}, plugins...)
	must(t, err)
	s := &served{ep: ep, notes: make(chan string, 16)}
	r := ep.Router()
	_, err = r.RouteCall(new(rpctest.Math))
	must(t, err)
	must(t, r.HandleCall("/my_call/echo", rpc.CallFunc(func(_ *rpc.CallCtx, arg *string) (string, error) { return *arg, nil })))
	must(t, r.HandleCall("/Legacy/Path", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) { return "legacy", nil })))
	must(t, r.HandlePush("/note/take", rpc.PushFunc(func(_ *rpc.PushCtx, arg *string) error { s.notes <- *arg; return nil })))
	fallback := func(prefix string) func(*rpc.CallCtx) (any, error) {
		return func(ctx *rpc.CallCtx) (any, error) { return prefix + ctx.ServiceMethod(), nil }
	}
	must(t, r.SetUnknownCall(fallback("root:")))
	for _, g := range []struct{ prefix, tag string }{{"/proxy", ""}, {"/proxy/deep", "deep:"}} {
		group, err := r.Group(g.prefix)
		must(t, err)
		must(t, group.SetUnknownCall(fallback(g.tag)))
	}
	events, err := r.Group("/events")
	must(t, err)
	must(t, events.SetUnknownPush(func(ctx *rpc.PushCtx) error { s.notes <- ctx.ServiceMethod(); return nil }))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	s.addr = l.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		ep.Serve(l)
	}()
	t.Cleanup(func() {
		ep.Close()
		<-done
	})
	return s
}

// dial returns a session to addr over format, closed when the test ends.
func dial(t *testing.T, format wire.Format, addr string) *rpc.Session {
	t.Helper()
	ep, err := rpc.NewEndpoint(rpc.Config{Format: format})
	must(t, err)
	t.Cleanup(func() { ep.Close() })
	s, err := ep.Dial(rpctest.Context(t), addr)
	must(t, err)
	return s
}

func TestCalls(t *testing.T) {
	eachFormat(t, func(t *testing.T, format wire.Format) {
		srv := serve(t, format, ignorecase.New())
		s := dial(t, format, srv.addr)
		ctx := rpctest.Context(t)
		tests := []struct {
			method string
			arg    any
			want   string // the reply, as JSON
		}{
			{"/math/add", []int{1, 2, 3}, "6"},
			{"/MATH/ADD", []int{1, 2, 3}, "6"},
			{"/Math/Add", []int{1, 2}, "3"},
			{"/MY_CALL/Echo", "hi", `"hi"`},
			{"/my_call/ECHO", "hi", `"hi"`},
			{"/Legacy/Path", struct{}{}, `"legacy"`},
			{"/legacy/path", struct{}{}, `"legacy"`},
			{"/LEGACY/PATH", struct{}{}, `"legacy"`},
			// Only case is ignored: underscores count.
			{"/MyCall/Echo", "hi", `"root:/MyCall/Echo"`},
			{"/Math/Nope", []int{1}, `"root:/Math/Nope"`},
			{"/PROXY/Users/List", struct{}{}, `"/proxy/Users/List"`},
			{"/proxy/users", struct{}{}, `"/proxy/users"`},
			{"/Proxy", struct{}{}, `"/proxy"`},
			{"/PROXY/DEEP/X", struct{}{}, `"deep:/proxy/deep/X"`},
			{"/proxy/Deep", struct{}{}, `"deep:/proxy/deep"`},
			{"/proxyx/y", struct{}{}, `"root:/proxyx/y"`},
		}
		for _, tt := range tests {
			var reply rpc.Raw
			err := s.Call(ctx, tt.method, tt.arg, &reply)
			if got := string(reply.Data); err != nil || got != tt.want {
				t.Errorf("Call(%s) = %s, %v; want %s", tt.method, got, err, tt.want)
			}
		}
	})
}

// TestLongAndNonASCII covers the methods folded by strings.ToLower
// rather than on the stack: longer than 256 bytes, or not ASCII.
func TestLongAndNonASCII(t *testing.T) {
	leakcheck.Check(t)
	srv := serve(t, nil, ignorecase.New())
	long := "/long/" + strings.Repeat("x", 300)
	h := rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (string, error) { return ctx.ServiceMethod(), nil })
	must(t, srv.ep.Router().HandleCall(long, h))
	must(t, srv.ep.Router().HandleCall("/café/menü", h))
	s := dial(t, nil, srv.addr)
	tests := []struct{ method, want string }{
		{long, long},
		{strings.ToUpper(long), long},
		{"/café/menü", "/café/menü"},
		{"/CAFÉ/Menü", "/café/menü"},
		{"/CAFE/MENU", "root:/CAFE/MENU"},
	}
	for _, tt := range tests {
		var got string
		if err := s.Call(rpctest.Context(t), tt.method, struct{}{}, &got); err != nil || got != tt.want {
			t.Errorf("Call(%.20s...) = %.20s..., %v; want %.20s...", tt.method, got, err, tt.want)
		}
	}
}

// TestNotFound: without a fallback, a method that matches no route but for
// case is not found, under the name it was sent with.
func TestNotFound(t *testing.T) {
	eachFormat(t, func(t *testing.T, format wire.Format) {
		ep, err := rpc.NewEndpoint(rpc.Config{Format: format}, ignorecase.New())
		must(t, err)
		defer ep.Close()
		must(t, ep.Router().HandleCall("/math/add", rpc.CallFunc(func(*rpc.CallCtx, *[]int) (int, error) { return 0, nil })))
		l, err := net.Listen("tcp", "127.0.0.1:0")
		must(t, err)
		go ep.Serve(l)
		s := dial(t, format, l.Addr().String())
		for _, method := range []string{"/Math/Nope", "/MyMath/Add", "/math/add/x"} {
			err := s.Call(rpctest.Context(t), method, []int{1}, nil)
			if rpc.CodeOf(err) != rpc.CodeNotFound || !strings.Contains(err.Error(), "no handler for "+method) {
				t.Errorf("Call(%s): %v; want not found, naming it", method, err)
			}
		}
	})
}

func TestPushes(t *testing.T) {
	eachFormat(t, func(t *testing.T, format wire.Format) {
		srv := serve(t, format, ignorecase.New())
		s := dial(t, format, srv.addr)
		ctx := rpctest.Context(t)
		tests := []struct{ method, arg, want string }{
			{"/NOTE/Take", "one", "one"},
			{"/note/take", "two", "two"},
			{"/EVENTS/Fired", "", "/events/Fired"},
		}
		for _, tt := range tests {
			must(t, s.Push(ctx, tt.method, tt.arg))
			if got := <-srv.notes; got != tt.want {
				t.Errorf("Push(%s) gave %q, want %q", tt.method, got, tt.want)
			}
		}
	})
}

// TestNetHTTP calls over the http format from net/http, as curl would.
func TestNetHTTP(t *testing.T) {
	leakcheck.Check(t)
	srv := serve(t, wirehttp.Format{}, ignorecase.New())
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	tests := []struct {
		path, arg string
		status    int
		body      string
	}{
		{"/Math/ADD", "[1,2,3]", http.StatusOK, "6"},
		{"/MY_CALL/ECHO", `"hi"`, http.StatusOK, `"hi"`},
		{"/MyCall/Echo", `"hi"`, http.StatusOK, `"root:/MyCall/Echo"`},
	}
	for _, tt := range tests {
		req, err := http.NewRequestWithContext(rpctest.Context(t), "POST", "http://"+srv.addr+tt.path, strings.NewReader(tt.arg))
		must(t, err)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		must(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		must(t, err)
		if resp.StatusCode != tt.status || strings.TrimSpace(string(body)) != tt.body {
			t.Errorf("POST %s = %d %s, want %d %s", tt.path, resp.StatusCode, body, tt.status, tt.body)
		}
	}
}

// TestConflict: a route that differs from a registered one only in case
// is refused, and the first one keeps serving.
func TestConflict(t *testing.T) {
	leakcheck.Check(t)
	srv := serve(t, nil, ignorecase.New())
	r := srv.ep.Router()
	h := rpc.CallFunc(func(*rpc.CallCtx, *[]int) (int, error) { return -1, nil })
	for _, path := range []string{"/Math/Add", "/MATH/ADD", "/legacy/path"} {
		if err := r.HandleCall(path, h); !errors.Is(err, ignorecase.ErrConflict) {
			t.Errorf("HandleCall(%s): %v, want ErrConflict", path, err)
		}
	}
	group, err := r.Group("/Proxy")
	must(t, err)
	if err := group.SetUnknownCall(func(*rpc.CallCtx) (any, error) { return nil, nil }); !errors.Is(err, ignorecase.ErrConflict) {
		t.Errorf("SetUnknownCall on /Proxy: %v, want ErrConflict", err)
	}
	// Calls and pushes are apart.
	must(t, r.HandlePush("/Math/Add", rpc.PushFunc(func(*rpc.PushCtx, *[]int) error { return nil })))

	s := dial(t, nil, srv.addr)
	var sum int
	if err := s.Call(rpctest.Context(t), "/Math/Add", []int{1, 2}, &sum); err != nil || sum != 3 {
		t.Fatalf("Call(/Math/Add) = %d, %v; want the first route's 3", sum, err)
	}
}

// refuseOnce fails the first registration of a path, as a plugin after
// ignorecase may; the router then undoes it.
type refuseOnce struct{ path string }

func (*refuseOnce) Name() string { return "refuse-once" }

func (r *refuseOnce) AfterRoute(info rpc.RouteInfo) error {
	if info.Path != r.path {
		return nil
	}
	r.path = ""
	return errors.New("refused once")
}

// TestUndoneRoute: a path whose registration another plugin failed does
// not stand in the way of a path that differs from it only in case.
func TestUndoneRoute(t *testing.T) {
	leakcheck.Check(t)
	srv := serve(t, nil, ignorecase.New(), &refuseOnce{path: "/flaky/path"})
	r := srv.ep.Router()
	h := rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (string, error) { return ctx.ServiceMethod(), nil })
	if err := r.HandleCall("/flaky/path", h); err == nil {
		t.Fatal("the refusing plugin did not refuse")
	}
	must(t, r.HandleCall("/Flaky/Path", h))
	s := dial(t, nil, srv.addr)
	var got string
	if err := s.Call(rpctest.Context(t), "/flaky/path", struct{}{}, &got); err != nil || got != "/Flaky/Path" {
		t.Fatalf("Call(/flaky/path) = %q, %v; want /Flaky/Path", got, err)
	}
}

func TestMisused(t *testing.T) {
	leakcheck.Check(t)
	p := ignorecase.New()
	first, err := rpc.NewEndpoint(rpc.Config{}, p)
	must(t, err)
	defer first.Close()
	if _, err := rpc.NewEndpoint(rpc.Config{}, p); !errors.Is(err, ignorecase.ErrMisused) {
		t.Fatalf("a second NewEndpoint with the plugin: %v, want ErrMisused", err)
	}
	ep, err := rpc.NewEndpoint(rpc.Config{})
	must(t, err)
	defer ep.Close()
	group, err := ep.Router().Group("/g", ignorecase.New())
	must(t, err)
	err = group.HandleCall("/x", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (int, error) { return 0, nil }))
	if !errors.Is(err, ignorecase.ErrMisused) {
		t.Fatalf("a route of a group with the plugin: %v, want ErrMisused", err)
	}
}

// measure runs the allocation checks inside a live call's hook, where
// the plugin's hook gets a real message.
type measure struct {
	ig      *ignorecase.Plugin
	methods []string
	allocs  map[string]float64
}

func (*measure) Name() string { return "measure" }

func (ms *measure) AfterReadCallHeader(m *rpc.Message) error {
	for _, method := range ms.methods {
		ms.allocs[method] = testing.AllocsPerRun(1000, func() {
			m.SetServiceMethod(method)
			if err := ms.ig.AfterReadCallHeader(m); err != nil {
				panic(err)
			}
		})
	}
	m.SetServiceMethod("/math/add")
	return nil
}

// TestAllocs checks that the hook allocates nothing for a method in its
// route's case, nor for one in another case that it maps.
func TestAllocs(t *testing.T) {
	leakcheck.Check(t)
	ig := ignorecase.New()
	ms := &measure{ig: ig, allocs: map[string]float64{}, methods: []string{
		"/math/add", "/Legacy/Path", // exact
		"/MATH/ADD", "/legacy/PATH", // mapped
		"/nope/nope", "/NOPE/Nope", // not found
	}}
	srv := serve(t, nil, ig, ms)
	s := dial(t, nil, srv.addr)
	var sum int
	must(t, s.Call(rpctest.Context(t), "/math/add", []int{1, 2}, &sum))
	for _, method := range ms.methods {
		if n := ms.allocs[method]; n != 0 {
			t.Errorf("AfterReadCallHeader(%s) allocated %v times, want 0", method, n)
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
