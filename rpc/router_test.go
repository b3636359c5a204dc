package rpc_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dmicro-go/dmicro/rpc"
)

// RtCalc is a controller in the seed's form: it embeds rpc.CallCtx and its
// methods return a *rpc.Status.
type RtCalc struct {
	rpc.CallCtx
	Base int // set at registration
	Seen int // set by Mark during a call
}

func (c *RtCalc) Add(arg *[]int) (int, *rpc.Status) {
	sum := c.Base
	for _, n := range *arg {
		sum += n
	}
	return sum, nil
}

// Mark sets a field and returns what the field held before.
func (c *RtCalc) Mark(arg *int) (int, *rpc.Status) {
	old := c.Seen
	c.Seen = *arg
	return old, nil
}

// Where returns the routed path, read through the embedded context.
func (c *RtCalc) Where(_ *struct{}) (string, error) { return c.ServiceMethod(), nil }

func (c *RtCalc) Fail(arg *string) (int, *rpc.Status) {
	return 0, rpc.NewStatus(rpc.CodeInvalidArgument, *arg)
}

// Methods of other shapes, which RouteCall skips.
func (c *RtCalc) Helper() int                     { return 0 }
func (c *RtCalc) ByValue(arg int) (int, error)    { return arg, nil }
func (c *RtCalc) OneResult(arg *int) error        { return nil }
func (c *RtCalc) WrongErr(arg *int) (int, string) { return 0, "" }
func (c *RtCalc) TooMany(a, b *int) (int, error)  { return 0, nil }

// RtTool takes the context as an argument; every call runs on the
// registered value itself.
type RtTool struct {
	prefix string
	calls  atomic.Int32
}

func (t *RtTool) Shout(ctx *rpc.CallCtx, arg *string) (string, error) {
	t.calls.Add(1)
	return t.prefix + strings.ToUpper(*arg) + "@" + ctx.ServiceMethod(), nil
}

// TypedNil returns a nil *Status as its error result: the typed-nil trap.
func (t *RtTool) TypedNil(_ *rpc.CallCtx, arg *int) (int, error) {
	var st *rpc.Status
	return *arg, st
}

func (t *RtTool) StatusResult(_ *rpc.CallCtx, arg *int) (int, *rpc.Status) { return *arg + 1, nil }

// Skipped: no context, and not embedding one.
func (t *RtTool) NoCtx(arg *int) (int, error) { return *arg, nil }
func (t *RtTool) Count() int32                { return t.calls.Load() }

// RtPtr embeds a *rpc.CallCtx.
type RtPtr struct {
	*rpc.CallCtx
	Tag string
}

func (p *RtPtr) Who(_ *struct{}) (string, *rpc.Status) { return p.Tag + p.ServiceMethod(), nil }

// RtNone has no method of a handler's shape.
type RtNone struct{}

func (RtNone) Nothing()       {}
func (*RtNone) Other(int) int { return 0 }

// RtFeed is a push controller in the seed's form. Its channel comes with
// the copy each push gets.
type RtFeed struct {
	rpc.PushCtx
	got chan string
}

func (f *RtFeed) Post(arg *string) error {
	f.got <- f.ServiceMethod() + "=" + *arg
	return nil
}

func (f *RtFeed) Quiet(arg *string) *rpc.Status {
	f.got <- f.ServiceMethod() + "=" + *arg
	return nil
}

// RtSink is a push controller taking the context as an argument.
type RtSink struct{ got chan string }

func (s *RtSink) Post(ctx *rpc.PushCtx, arg *string) error {
	s.got <- ctx.ServiceMethod() + "=" + *arg
	return nil
}

// RtEchoName is routed by RouteCallFunc as "/rt_echo_name".
func RtEchoName(ctx *rpc.CallCtx, arg *string) (string, error) {
	return ctx.ServiceMethod() + ":" + *arg, nil
}

// RtSeed is the receiver type of RtDouble.
type RtSeed struct {
	rpc.CallCtx
}

// RtDouble is the seed's form of a function handler: "/rt_double".
func RtDouble(m *RtSeed, arg *int) (int, *rpc.Status) {
	m.SetReplyMeta("path", m.ServiceMethod())
	return 2 * *arg, nil
}

// RtTypedNilFunc returns a nil *Status as error.
func RtTypedNilFunc(_ *rpc.CallCtx, arg *int) (int, error) {
	var st *rpc.Status
	return *arg, st
}

// RtOnPing is routed by RoutePushFunc as "/rt_on_ping". It hands what it got
// to the channel the test stored in the session.
func RtOnPing(ctx *rpc.PushCtx, arg *string) error {
	ch, _ := ctx.Session().Values().Load("rt-pings")
	ch.(chan string) <- ctx.ServiceMethod() + "=" + *arg
	return nil
}

func rtMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// rtCall calls method with arg and returns the reply as an R.
func rtCall[R any](t *testing.T, s *rpc.Session, method string, arg any) (R, error) {
	t.Helper()
	var r R
	err := s.Call(testCtx(t), method, arg, &r)
	return r, err
}

// rtWant calls method and checks the reply.
func rtWant[R comparable](t *testing.T, s *rpc.Session, method string, arg any, want R) {
	t.Helper()
	got, err := rtCall[R](t, s, method, arg)
	if err != nil {
		t.Errorf("call %s: %v", method, err)
		return
	}
	if got != want {
		t.Errorf("call %s = %v, want %v", method, got, want)
	}
}

// rtWantCode calls method and checks the error's code.
func rtWantCode(t *testing.T, s *rpc.Session, method string, want rpc.Code) {
	t.Helper()
	err := s.Call(testCtx(t), method, 1, nil)
	if got := rpc.CodeOf(err); got != want {
		t.Errorf("call %s: %v (code %v), want code %v", method, err, got, want)
	}
}

// rtRecv receives one value from ch or fails when the test's time is up.
func rtRecv(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-testCtx(t).Done():
		t.Fatal("timed out waiting for a push")
		return ""
	}
}

// rtNoPanic runs f and turns a panic into a test failure.
func rtNoPanic(t *testing.T, what string, f func() error) error {
	t.Helper()
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Errorf("%s panicked: %v", what, p)
				err = fmt.Errorf("panic: %v", p)
			}
		}()
		err = f()
	}()
	return err
}

func TestRouteCallStruct(t *testing.T) {
	tool := &RtTool{prefix: "> "}
	var calcPaths, toolPaths, ptrPaths []string
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		var err error
		calcPaths, err = srv.Router().RouteCall(&RtCalc{Base: 100, Seen: -1})
		rtMust(t, err)
		toolPaths, err = srv.Router().RouteCall(tool)
		rtMust(t, err)
		ptrPaths, err = srv.Router().RouteCall(&RtPtr{Tag: "ptr "})
		rtMust(t, err)
	}})
	s := p.sess

	t.Run("paths", func(t *testing.T) {
		for _, tc := range []struct {
			got, want []string
		}{
			{calcPaths, []string{"/rt_calc/add", "/rt_calc/fail", "/rt_calc/mark", "/rt_calc/where"}},
			{toolPaths, []string{"/rt_tool/shout", "/rt_tool/status_result", "/rt_tool/typed_nil"}},
			{ptrPaths, []string{"/rt_ptr/who"}},
		} {
			if !slices.Equal(tc.got, tc.want) {
				t.Errorf("paths %q, want %q", tc.got, tc.want)
			}
		}
		for _, skipped := range []string{"/rt_calc/helper", "/rt_calc/by_value", "/rt_calc/one_result",
			"/rt_calc/wrong_err", "/rt_calc/too_many", "/rt_tool/no_ctx", "/rt_tool/count",
			"/rt_calc/context", "/rt_calc/session", "/rt_calc/set_meta", "/rt_calc/decode"} {
			rtWantCode(t, s, skipped, rpc.CodeNotFound)
		}
	})

	t.Run("embedded CallCtx", func(t *testing.T) {
		rtWant(t, s, "/rt_calc/add", []int{1, 2, 3}, 106)
		rtWant(t, s, "/rt_calc/where", struct{}{}, "/rt_calc/where")
		// Each call gets a fresh copy of the registered value: it sees the
		// registered Seen, never what an earlier call set.
		rtWant(t, s, "/rt_calc/mark", 7, -1)
		rtWant(t, s, "/rt_calc/mark", 8, -1)
		_, err := rtCall[int](t, s, "/rt_calc/fail", "bad input")
		if st := rpc.StatusOf(err); st.Code() != rpc.CodeInvalidArgument || st.Message() != "bad input" {
			t.Errorf("fail: %v", err)
		}
	})

	t.Run("context argument", func(t *testing.T) {
		before := tool.Count()
		rtWant(t, s, "/rt_tool/shout", "hi", "> HI@/rt_tool/shout")
		rtWant(t, s, "/rt_tool/shout", "yo", "> YO@/rt_tool/shout")
		// Every call ran on the registered value.
		if got := tool.Count() - before; got != 2 {
			t.Errorf("the registered value counted %d calls, want 2", got)
		}
		rtWant(t, s, "/rt_tool/status_result", 4, 5)
	})

	t.Run("embedded *CallCtx", func(t *testing.T) {
		rtWant(t, s, "/rt_ptr/who", struct{}{}, "ptr /rt_ptr/who")
	})

	t.Run("typed nil status is success", func(t *testing.T) {
		rtWant(t, s, "/rt_tool/typed_nil", 9, 9)
	})
}

func TestRouteCallInvalid(t *testing.T) {
	ep, err := rpc.NewEndpoint(rpc.Config{})
	rtMust(t, err)
	defer ep.Close()
	n := 3
	for _, tc := range []struct {
		name string
		ctrl any
	}{
		{"no handler methods", &RtNone{}},
		{"struct value", RtCalc{}},
		{"nil struct pointer", (*RtCalc)(nil)},
		{"pointer to int", &n},
		{"untyped nil", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var paths []string
			err := rtNoPanic(t, "RouteCall", func() error {
				var err error
				paths, err = ep.Router().RouteCall(tc.ctrl)
				return err
			})
			if err == nil {
				t.Errorf("RouteCall(%T) registered %q", tc.ctrl, paths)
			}
			err = rtNoPanic(t, "RoutePush", func() error {
				_, err := ep.Router().RoutePush(tc.ctrl)
				return err
			})
			if err == nil {
				t.Errorf("RoutePush(%T) succeeded", tc.ctrl)
			}
		})
	}
	if r := ep.Router().Routes(); len(r) != 0 {
		t.Errorf("failed registrations left routes: %+v", r)
	}
	// A call controller has no push handlers and the other way round.
	if _, err := ep.Router().RoutePush(&RtCalc{}); err == nil {
		t.Error("RoutePush accepted a call controller")
	}
	if _, err := ep.Router().RouteCall(&RtSink{}); err == nil {
		t.Error("RouteCall accepted a push controller")
	}
}

func TestRoutePush(t *testing.T) {
	feed, sink := make(chan string, 4), make(chan string, 4)
	var feedPaths, sinkPaths []string
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		var err error
		feedPaths, err = srv.Router().RoutePush(&RtFeed{got: feed})
		rtMust(t, err)
		sinkPaths, err = srv.Router().RoutePush(&RtSink{got: sink})
		rtMust(t, err)
	}})
	if want := []string{"/rt_feed/post", "/rt_feed/quiet"}; !slices.Equal(feedPaths, want) {
		t.Errorf("RtFeed paths %q, want %q", feedPaths, want)
	}
	if want := []string{"/rt_sink/post"}; !slices.Equal(sinkPaths, want) {
		t.Errorf("RtSink paths %q, want %q", sinkPaths, want)
	}
	ctx := testCtx(t)
	for _, tc := range []struct {
		method string
		ch     chan string
	}{
		{"/rt_feed/post", feed},
		{"/rt_feed/quiet", feed},
		{"/rt_sink/post", sink},
	} {
		t.Run(tc.method, func(t *testing.T) {
			rtMust(t, p.sess.Push(ctx, tc.method, "v"))
			if got, want := rtRecv(t, tc.ch), tc.method+"=v"; got != want {
				t.Errorf("handler got %q, want %q", got, want)
			}
		})
	}
	// A push route is not a call route.
	rtWantCode(t, p.sess, "/rt_sink/post", rpc.CodeNotFound)
}

func TestRouteFuncs(t *testing.T) {
	tool := &RtTool{prefix: "m "}
	paths := map[string]string{}
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		for name, fn := range map[string]any{
			"RtEchoName": RtEchoName, "RtDouble": RtDouble, "RtTypedNilFunc": RtTypedNilFunc, "method value": tool.Shout,
		} {
			path, err := srv.Router().RouteCallFunc(fn)
			rtMust(t, err)
			paths[name] = path
		}
		path, err := srv.Router().RoutePushFunc(RtOnPing)
		rtMust(t, err)
		paths["RtOnPing"] = path
		g, err := srv.Router().Group("/v1")
		rtMust(t, err)
		path, err = g.RouteCallFunc(RtEchoName)
		rtMust(t, err)
		paths["group"] = path
	}})
	want := map[string]string{
		"RtEchoName": "/rt_echo_name", "RtDouble": "/rt_double", "RtTypedNilFunc": "/rt_typed_nil_func",
		"method value": "/shout", "RtOnPing": "/rt_on_ping", "group": "/v1/rt_echo_name",
	}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("paths %v, want %v", paths, want)
	}
	s := p.sess
	rtWant(t, s, "/rt_echo_name", "a", "/rt_echo_name:a")
	rtWant(t, s, "/v1/rt_echo_name", "b", "/v1/rt_echo_name:b")
	rtWant(t, s, "/shout", "c", "m C@/shout")
	rtWant(t, s, "/rt_typed_nil_func", 3, 3)

	var md rpc.Metadata
	var got int
	rtMust(t, s.Call(testCtx(t), "/rt_double", 21, &got, rpc.WithReplyMeta(&md)))
	if got != 42 || md.Get("path") != "/rt_double" {
		t.Errorf("rt_double = %d, meta %v", got, md.Map())
	}

	pings := make(chan string, 1)
	p.serverSession(t).Values().Store("rt-pings", pings)
	rtMust(t, s.Push(testCtx(t), "/rt_on_ping", "p"))
	if got := rtRecv(t, pings); got != "/rt_on_ping=p" {
		t.Errorf("push handler got %q", got)
	}

	t.Run("invalid functions", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			fn   any
		}{
			{"not a function", 42},
			{"nil function", (func(*rpc.CallCtx, *int) (int, error))(nil)},
			{"two plain arguments", func(a, b int) (int, error) { return 0, nil }},
			{"no pointer argument", func(*rpc.CallCtx, int) (int, error) { return 0, nil }},
			{"one result", func(*rpc.CallCtx, *int) error { return nil }},
			{"receiver without context", func(*RtNone, *int) (int, error) { return 0, nil }},
			{"untyped nil", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := rtNoPanic(t, "RouteCallFunc", func() error {
					_, err := p.srv.Router().RouteCallFunc(tc.fn)
					return err
				})
				if err == nil {
					t.Error("RouteCallFunc accepted it")
				}
			})
		}
		if _, err := p.srv.Router().RoutePushFunc(RtEchoName); err == nil {
			t.Error("RoutePushFunc accepted a call handler")
		}
	})
}

func TestHandleCallAndPush(t *testing.T) {
	pushed := make(chan string, 1)
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		rtMust(t, srv.Router().HandleCall("/custom/sum", rpc.CallFunc(func(_ *rpc.CallCtx, arg *[]int) (int, error) {
			s := 0
			for _, n := range *arg {
				s += n
			}
			return s, nil
		})))
		// The path is normalised: leading slash added, trailing one dropped.
		rtMust(t, srv.Router().HandleCall("custom/where/", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (string, error) {
			return ctx.ServiceMethod(), nil
		})))
		// The typed-nil trap in a CallFunc.
		rtMust(t, srv.Router().HandleCall("/custom/typed_nil", rpc.CallFunc(func(_ *rpc.CallCtx, arg *int) (int, error) {
			return *arg, error((*rpc.Status)(nil))
		})))
		rtMust(t, srv.Router().HandlePush("/custom/event", rpc.PushFunc(func(ctx *rpc.PushCtx, arg *string) error {
			pushed <- ctx.ServiceMethod() + "=" + *arg
			return error((*rpc.Status)(nil))
		})))
		// A call and a push may share a path.
		rtMust(t, srv.Router().HandleCall("/custom/event", rpc.CallFunc(func(_ *rpc.CallCtx, arg *string) (string, error) {
			return "call " + *arg, nil
		})))
	}})
	s := p.sess
	rtWant(t, s, "/custom/sum", []int{4, 5}, 9)
	rtWant(t, s, "/custom/where", struct{}{}, "/custom/where")
	rtWant(t, s, "/custom/typed_nil", 11, 11)
	rtWant(t, s, "/custom/event", "e", "call e")
	rtMust(t, s.Push(testCtx(t), "/custom/event", "e"))
	if got := rtRecv(t, pushed); got != "/custom/event=e" {
		t.Errorf("push handler got %q", got)
	}
	if err := p.srv.Router().HandleCall("/empty", rpc.CallHandler{}); err == nil {
		t.Error("HandleCall accepted an empty CallHandler")
	}
	if err := p.srv.Router().HandlePush("/empty", rpc.PushHandler{}); err == nil {
		t.Error("HandlePush accepted an empty PushHandler")
	}
	rtWantCode(t, s, "/empty", rpc.CodeNotFound)
}

func TestRouterGroups(t *testing.T) {
	ep, err := rpc.NewEndpoint(rpc.Config{})
	rtMust(t, err)
	defer ep.Close()
	root := ep.Router()
	v1, err := root.Group("/v1")
	rtMust(t, err)
	math, err := v1.Group("math")
	rtMust(t, err)
	deep, err := math.Group("/x/y/")
	rtMust(t, err)
	v2, err := ep.Router().Group("v2/")
	rtMust(t, err)
	empty, err := root.Group("")
	rtMust(t, err)
	for _, tc := range []struct {
		r    *rpc.Router
		want string
	}{
		{root, ""}, {v1, "/v1"}, {math, "/v1/math"}, {deep, "/v1/math/x/y"}, {v2, "/v2"}, {empty, ""},
	} {
		if got := tc.r.Prefix(); got != tc.want {
			t.Errorf("Prefix() = %q, want %q", got, tc.want)
		}
	}

	sum := rpc.CallFunc(func(ctx *rpc.CallCtx, arg *[]int) (string, error) {
		s := 0
		for _, n := range *arg {
			s += n
		}
		return fmt.Sprint(ctx.ServiceMethod(), "=", s), nil
	})
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		v1, err := srv.Router().Group("/v1")
		rtMust(t, err)
		math, err := v1.Group("math")
		rtMust(t, err)
		rtMust(t, math.HandleCall("add", sum))
		paths, err := v1.RouteCall(&RtCalc{})
		rtMust(t, err)
		if paths[0] != "/v1/rt_calc/add" {
			t.Errorf("RouteCall on /v1: %q", paths)
		}
		v2, err := srv.Router().Group("/v2")
		rtMust(t, err)
		rtMust(t, v2.HandleCall("/math/add", sum))
	}})
	rtWant(t, p.sess, "/v1/math/add", []int{1, 2}, "/v1/math/add=3")
	rtWant(t, p.sess, "/v2/math/add", []int{3, 4}, "/v2/math/add=7")
	rtWant(t, p.sess, "/v1/rt_calc/add", []int{5}, 5)
	rtWantCode(t, p.sess, "/math/add", rpc.CodeNotFound)
	rtWantCode(t, p.sess, "/rt_calc/add", rpc.CodeNotFound)
}

func TestRouteDuplicates(t *testing.T) {
	first := rpc.CallFunc(func(*rpc.CallCtx, *int) (string, error) { return "first", nil })
	second := rpc.CallFunc(func(*rpc.CallCtx, *int) (string, error) { return "second", nil })
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		rtMust(t, srv.Router().HandleCall("/dup", first))
		rtMust(t, srv.Router().HandleCall("/rt_tool/shout", first))
		rtMust(t, srv.Router().HandlePush("/dup", rpc.PushFunc(func(*rpc.PushCtx, *int) error { return nil })))
	}})
	srv := p.srv
	for _, tc := range []struct {
		name     string
		register func() error
	}{
		{"same path", func() error { return srv.Router().HandleCall("/dup", second) }},
		{"same path, other spelling", func() error { return srv.Router().HandleCall("dup/", second) }},
		{"same path through a group", func() error {
			g, err := srv.Router().Group("/")
			rtMust(t, err)
			return g.HandleCall("/dup", second)
		}},
		{"same push path", func() error {
			return srv.Router().HandlePush("/dup", rpc.PushFunc(func(*rpc.PushCtx, *int) error { return nil }))
		}},
		{"one method of a struct", func() error {
			_, err := srv.Router().RouteCall(&RtTool{})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.register(); err == nil {
				t.Error("the duplicate was registered")
			}
		})
	}
	rtWant(t, p.sess, "/dup", 1, "first")
	rtWant(t, p.sess, "/rt_tool/shout", 1, "first")
	// The struct's registration was undone as a whole.
	rtWantCode(t, p.sess, "/rt_tool/typed_nil", rpc.CodeNotFound)
	// The same struct twice.
	_, err := srv.Router().RouteCall(&RtCalc{})
	rtMust(t, err)
	if _, err := srv.Router().RouteCall(&RtCalc{}); err == nil {
		t.Error("RouteCall registered the same controller twice")
	}
	rtWant(t, p.sess, "/rt_calc/add", []int{2}, 2)
}

func TestUnknownCall(t *testing.T) {
	fallback := func(name string) func(ctx *rpc.CallCtx) (any, error) {
		return func(ctx *rpc.CallCtx) (any, error) {
			var v string
			if err := ctx.Decode(&v); err != nil {
				return nil, err
			}
			return name + " " + ctx.ServiceMethod() + " " + v, nil
		}
	}
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		v1, err := srv.Router().Group("/v1")
		rtMust(t, err)
		// The /v1 fallback passes the body through as it came.
		rtMust(t, v1.SetUnknownCall(func(ctx *rpc.CallCtx) (any, error) {
			return rpc.Raw{Codec: ctx.BodyCodec(), Data: bytes.Clone(ctx.RawBody())}, nil
		}))
		deep, err := v1.Group("/deep")
		rtMust(t, err)
		rtMust(t, deep.SetUnknownCall(fallback("deep")))
		rtMust(t, v1.HandleCall("/known", rpc.CallFunc(func(*rpc.CallCtx, *string) (string, error) { return "known", nil })))
		nilst, err := srv.Router().Group("/nilst")
		rtMust(t, err)
		rtMust(t, nilst.SetUnknownCall(func(*rpc.CallCtx) (any, error) { return "ok", (*rpc.Status)(nil) }))
	}})
	s := p.sess

	t.Run("group fallback only", func(t *testing.T) {
		rtWantCode(t, s, "/nothing", rpc.CodeNotFound)
		rtWant(t, s, "/v1/nothing", "b", "b")
		rtWant(t, s, "/v1", "c", "c")
		rtWant(t, s, "/v1/known", "x", "known")
		rtWant(t, s, "/v1/deep/x", "d", "deep /v1/deep/x d")
		rtWant(t, s, "/v1/deeper", "e", "e")
		rtWant(t, s, "/nilst/any", "x", "ok")
		var raw rpc.Raw
		rtMust(t, s.Call(testCtx(t), "/v1/raw", "pass", &raw))
		if raw.Codec != 'j' || string(raw.Data) != `"pass"` {
			t.Errorf("raw reply: codec %q data %q", raw.Codec, raw.Data)
		}
		rtWantCode(t, s, "/v10/x", rpc.CodeNotFound)
	})

	t.Run("root fallback", func(t *testing.T) {
		// Registering is safe while serving.
		rtMust(t, p.srv.Router().SetUnknownCall(fallback("root")))
		rtWant(t, s, "/nothing", "a", "root /nothing a")
		rtWant(t, s, "/v10/x", "f", "root /v10/x f")
		rtWant(t, s, "/v1/nothing", "b", "b")
		rtWant(t, s, "/v1/deep/y", "g", "deep /v1/deep/y g")
	})

	t.Run("errors", func(t *testing.T) {
		if err := p.srv.Router().SetUnknownCall(nil); err == nil {
			t.Error("SetUnknownCall accepted nil")
		}
		if err := p.srv.Router().SetUnknownCall(fallback("again")); err == nil {
			t.Error("a second root fallback was set")
		}
		rtWant(t, s, "/nothing", "a", "root /nothing a")
	})
}

func TestUnknownPush(t *testing.T) {
	root, group := make(chan string, 1), make(chan string, 1)
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		rtMust(t, srv.Router().SetUnknownPush(func(ctx *rpc.PushCtx) error {
			var v string
			if err := ctx.Decode(&v); err != nil {
				return err
			}
			root <- ctx.ServiceMethod() + "=" + v
			return nil
		}))
		g, err := srv.Router().Group("/g")
		rtMust(t, err)
		rtMust(t, g.SetUnknownPush(func(ctx *rpc.PushCtx) error {
			group <- ctx.ServiceMethod() + "=" + string(ctx.RawBody())
			return nil
		}))
	}})
	if err := p.srv.Router().SetUnknownPush(nil); err == nil {
		t.Error("SetUnknownPush accepted nil")
	}
	ctx := testCtx(t)
	rtMust(t, p.sess.Push(ctx, "/nowhere", "z"))
	if got := rtRecv(t, root); got != "/nowhere=z" {
		t.Errorf("root fallback got %q", got)
	}
	rtMust(t, p.sess.Push(ctx, "/g/x", "y"))
	if got := rtRecv(t, group); got != `/g/x="y"` {
		t.Errorf("group fallback got %q", got)
	}
	// A push fallback does not answer calls.
	rtWantCode(t, p.sess, "/nowhere", rpc.CodeNotFound)
}

func TestRoutes(t *testing.T) {
	ep, err := rpc.NewEndpoint(rpc.Config{})
	rtMust(t, err)
	defer ep.Close()
	rtMust(t, ep.Router().HandleCall("/b", rpc.CallFunc(func(*rpc.CallCtx, *int) (string, error) { return "", nil })))
	rtMust(t, ep.Router().HandleCall("/a", rpc.CallFunc(func(*rpc.CallCtx, *string) (int, error) { return 0, nil })))
	_, err = ep.Router().RouteCall(&RtTool{})
	rtMust(t, err)
	rtMust(t, ep.Router().HandlePush("/p", rpc.PushFunc(func(*rpc.PushCtx, *[]byte) error { return nil })))
	rtMust(t, ep.Router().SetUnknownCall(func(*rpc.CallCtx) (any, error) { return nil, nil }))
	v1, err := ep.Router().Group("/v1")
	rtMust(t, err)
	rtMust(t, v1.SetUnknownCall(func(*rpc.CallCtx) (any, error) { return nil, nil }))
	rtMust(t, ep.Router().SetUnknownPush(func(*rpc.PushCtx) error { return nil }))

	var (
		tString = reflect.TypeFor[string]()
		tInt    = reflect.TypeFor[int]()
	)
	want := map[string]rpc.RouteInfo{
		"call /a":                     {Path: "/a", Arg: tString, Reply: tInt},
		"call /b":                     {Path: "/b", Arg: tInt, Reply: tString},
		"call /rt_tool/shout":         {Path: "/rt_tool/shout", Arg: tString, Reply: tString},
		"call /rt_tool/status_result": {Path: "/rt_tool/status_result", Arg: tInt, Reply: tInt},
		"call /rt_tool/typed_nil":     {Path: "/rt_tool/typed_nil", Arg: tInt, Reply: tInt},
		"push /p":                     {Path: "/p", Push: true, Arg: reflect.TypeFor[[]byte]()},
		"fallback call /":             {Path: "/", Fallback: true},
		"fallback call /v1/":          {Path: "/v1/", Fallback: true},
		"fallback push /":             {Path: "/", Push: true, Fallback: true},
	}
	got := map[string]rpc.RouteInfo{}
	var callPaths, pushPaths []string
	routes := ep.Router().Routes()
	for i, ri := range routes {
		key := "call "
		if ri.Push {
			key = "push "
		}
		if ri.Fallback {
			key = "fallback " + key
		} else if ri.Push {
			pushPaths = append(pushPaths, ri.Path)
		} else {
			callPaths = append(callPaths, ri.Path)
			if i > 0 && routes[i-1].Push {
				t.Errorf("call route %s listed after a push route", ri.Path)
			}
		}
		got[key+ri.Path] = ri
	}
	if len(routes) != len(want) || !reflect.DeepEqual(got, want) {
		t.Errorf("Routes() = %+v\nwant %+v", routes, want)
	}
	if !slices.IsSorted(callPaths) || !slices.IsSorted(pushPaths) {
		t.Errorf("routes not sorted by path: calls %q pushes %q", callPaths, pushPaths)
	}
	// A group lists its own routes only.
	for _, r := range v1.Routes() {
		if !strings.HasPrefix(r.Path, v1.Prefix()+"/") && r.Path != v1.Prefix() {
			t.Errorf("the group %s lists %s", v1.Prefix(), r.Path)
		}
	}
	if len(v1.Routes()) == 0 || len(v1.Routes()) >= len(routes) {
		t.Errorf("the group lists %d routes of the root's %d", len(v1.Routes()), len(routes))
	}
}

// TestRouteContextEnds checks that the context a struct handler gets is the
// call's: it ends when the handler returns.
func TestRouteContextEnds(t *testing.T) {
	ctxs := make(chan context.Context, 1)
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		rtMust(t, srv.Router().HandleCall("/ctx", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *int) (int, error) {
			if err := ctx.Context().Err(); err != nil {
				return 0, err
			}
			ctxs <- ctx.Context()
			return 0, nil
		})))
	}})
	rtMust(t, p.sess.Call(testCtx(t), "/ctx", 1, nil))
	c := <-ctxs
	select {
	case <-c.Done():
	case <-testCtx(t).Done():
		t.Fatal("the handler's context did not end after it returned")
	}
}
