package rpc_test

import (
	"encoding/xml"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/dmicro-go/dmicro/rpc"
)

func hdMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// hdSeen is what a handler saw of its CallCtx.
type hdSeen struct {
	session     *rpc.Session
	endpoint    *rpc.Endpoint
	remote      string
	local       string
	method      string
	seq         uint32
	peek        string
	meta        map[string]string
	codec       byte
	hasDeadline bool
}

func TestCallCtxAccessors(t *testing.T) {
	seen := make(chan hdSeen, 1)
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		hdMust(t, srv.Router().HandleCall("/hd/inspect", rpc.CallFunc(func(ctx *rpc.CallCtx, arg *string) (string, error) {
			_, hasDeadline := ctx.Context().Deadline()
			seen <- hdSeen{
				session: ctx.Session(), endpoint: ctx.Endpoint(),
				remote: ctx.RemoteAddr().String(), local: ctx.LocalAddr().String(),
				method: ctx.ServiceMethod(), seq: ctx.Seq(),
				peek: ctx.PeekMeta("k"), meta: ctx.RequestMeta().Map(),
				codec: ctx.BodyCodec(), hasDeadline: hasDeadline,
			}
			ctx.SetReplyMeta("echo", ctx.PeekMeta("k"))
			ctx.ReplyMeta().Set("via", "ReplyMeta")
			return "got " + *arg, nil
		})))
	}})
	var reply string
	var md rpc.Metadata
	err := p.sess.Call(testCtx(t), "/hd/inspect", "x", &reply,
		rpc.WithMeta("k", "v"), rpc.WithMeta("k2", "v2"), rpc.WithReplyMeta(&md))
	hdMust(t, err)
	got := <-seen
	ss := p.serverSession(t)
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"reply", reply == "got x"},
		{"Session is the server's session", got.session != nil && got.session == ss},
		{"Endpoint is the server", got.endpoint == p.srv},
		{"RemoteAddr is the client's local address", got.remote == p.sess.LocalAddr().String()},
		{"LocalAddr is the server's address", got.local == p.addr},
		{"ServiceMethod", got.method == "/hd/inspect"},
		{"Seq", got.seq > 0},
		{"PeekMeta", got.peek == "v"},
		{"Meta", len(got.meta) == 2 && got.meta["k"] == "v" && got.meta["k2"] == "v2"},
		{"BodyCodec is json by default", got.codec == 'j'},
		{"the context has the caller's deadline", got.hasDeadline},
		{"SetMeta reaches the caller", md.Get("echo") == "v"},
		{"ReplyMeta reaches the caller", md.Get("via") == "ReplyMeta"},
	} {
		if !c.ok {
			t.Errorf("%s: saw %+v, reply %q, reply meta %v", c.name, got, reply, md.Map())
		}
	}
	if ss.RemoteAddr().String() != p.sess.LocalAddr().String() || ss.LocalAddr().String() != p.addr {
		t.Errorf("server session addresses %v %v", ss.RemoteAddr(), ss.LocalAddr())
	}
}

type hdPoint struct {
	XMLName xml.Name `xml:"point"`
	X       int      `xml:"x"`
	Y       int      `xml:"y"`
}

func TestReplyCodec(t *testing.T) {
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		hdMust(t, srv.Router().HandleCall("/hd/xml", rpc.CallFunc(func(ctx *rpc.CallCtx, arg *int) (hdPoint, error) {
			if err := ctx.SetReplyCodec("xml"); err != nil {
				return hdPoint{}, err
			}
			return hdPoint{X: *arg, Y: *arg * 2}, nil
		})))
		hdMust(t, srv.Router().HandleCall("/hd/plain", rpc.CallFunc(func(ctx *rpc.CallCtx, arg *string) (string, error) {
			if err := ctx.SetReplyCodec("plain"); err != nil {
				return "", err
			}
			return "plain " + *arg, nil
		})))
		hdMust(t, srv.Router().HandleCall("/hd/bad_codec", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *int) (int, error) {
			err := ctx.SetReplyCodec("nope")
			if rpc.CodeOf(err) != rpc.CodeCodec {
				return 0, rpc.Errorf(rpc.CodeInternal, "SetReplyCodec(nope) returned %v, want CodeCodec", err)
			}
			return 0, err
		})))
	}})
	ctx := testCtx(t)
	t.Run("xml", func(t *testing.T) {
		var pt hdPoint
		hdMust(t, p.sess.Call(ctx, "/hd/xml", 3, &pt))
		if pt.X != 3 || pt.Y != 6 {
			t.Errorf("decoded %+v", pt)
		}
		var raw rpc.Raw
		hdMust(t, p.sess.Call(ctx, "/hd/xml", 1, &raw))
		if raw.Codec != 'x' || !strings.HasPrefix(string(raw.Data), "<point>") {
			t.Errorf("raw reply: codec %q data %q", raw.Codec, raw.Data)
		}
	})
	t.Run("plain", func(t *testing.T) {
		var s string
		hdMust(t, p.sess.Call(ctx, "/hd/plain", "text", &s))
		if s != "plain text" {
			t.Errorf("decoded %q", s)
		}
		var raw rpc.Raw
		hdMust(t, p.sess.Call(ctx, "/hd/plain", "t", &raw))
		if raw.Codec != 's' || string(raw.Data) != "plain t" {
			t.Errorf("raw reply: codec %q data %q", raw.Codec, raw.Data)
		}
	})
	t.Run("unknown codec", func(t *testing.T) {
		err := p.sess.Call(ctx, "/hd/bad_codec", 1, nil)
		if rpc.CodeOf(err) != rpc.CodeCodec {
			t.Errorf("got %v, want CodeCodec", err)
		}
	})
}

func TestCallCodecs(t *testing.T) {
	var counted atomic.Int32
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		hdMust(t, srv.Router().HandleCall("/hd/proto", rpc.CallFunc(func(ctx *rpc.CallCtx, arg *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			if ctx.BodyCodec() != 'p' {
				return nil, rpc.Errorf(rpc.CodeInvalidArgument, "body codec %q, want 'p'", ctx.BodyCodec())
			}
			return wrapperspb.String("re: " + arg.GetValue()), nil
		})))
		hdMust(t, srv.Router().HandleCall("/hd/count", rpc.CallFunc(func(*rpc.CallCtx, *int) (int32, error) {
			return counted.Add(1), nil
		})))
	}})
	ctx := testCtx(t)
	t.Run("protobuf", func(t *testing.T) {
		reply := new(wrapperspb.StringValue)
		hdMust(t, p.sess.Call(ctx, "/hd/proto", wrapperspb.String("hi"), reply, rpc.WithCodec("protobuf")))
		if reply.GetValue() != "re: hi" {
			t.Errorf("reply %q", reply.GetValue())
		}
		var raw rpc.Raw
		hdMust(t, p.sess.Call(ctx, "/hd/proto", wrapperspb.String("r"), &raw, rpc.WithCodec("protobuf")))
		if raw.Codec != 'p' {
			t.Errorf("the reply came in codec %q, want the call's 'p'", raw.Codec)
		}
	})
	t.Run("unknown codec is not sent", func(t *testing.T) {
		err := p.sess.Call(ctx, "/hd/count", 1, nil, rpc.WithCodec("nope"))
		if rpc.CodeOf(err) != rpc.CodeCodec {
			t.Fatalf("got %v, want CodeCodec", err)
		}
		if err := p.sess.Push(ctx, "/hd/count", 1, rpc.WithCodec("nope")); rpc.CodeOf(err) != rpc.CodeCodec {
			t.Fatalf("push got %v, want CodeCodec", err)
		}
		// Calls on a session are read in order: had the failed call been
		// sent, this one would count 2.
		var n int32
		hdMust(t, p.sess.Call(ctx, "/hd/count", 1, &n))
		if n != 1 {
			t.Errorf("the handler ran %d times, want once", n)
		}
	})
	t.Run("argument the codec cannot encode", func(t *testing.T) {
		err := p.sess.Call(ctx, "/hd/proto", "not a proto message", nil, rpc.WithCodec("protobuf"))
		if rpc.CodeOf(err) != rpc.CodeCodec {
			t.Errorf("got %v, want CodeCodec", err)
		}
	})
}

func TestAsyncCall(t *testing.T) {
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		hdMust(t, srv.Router().HandleCall("/hd/echo", rpc.CallFunc(func(_ *rpc.CallCtx, arg *string) (string, error) { return *arg, nil })))
	}})
	ctx := testCtx(t)
	const n = 8
	replies := make([]string, n)
	calls := make([]*rpc.Call, n)
	for i := range n {
		calls[i] = p.sess.AsyncCall(ctx, "/hd/echo", strings.Repeat("a", i+1), &replies[i])
	}
	missing := p.sess.AsyncCall(ctx, "/hd/missing", "x", nil)
	for i, c := range calls {
		select {
		case <-c.Done():
		case <-ctx.Done():
			t.Fatalf("async call %d did not finish", i)
		}
		if err := c.Err(); err != nil {
			t.Errorf("call %d: %v", i, err)
		}
		if c.Method != "/hd/echo" || c.Arg != strings.Repeat("a", i+1) || c.Reply != &replies[i] {
			t.Errorf("call %d: Method %q Arg %v Reply %v", i, c.Method, c.Arg, c.Reply)
		}
		if replies[i] != strings.Repeat("a", i+1) {
			t.Errorf("call %d: reply %q", i, replies[i])
		}
	}
	if err := missing.Err(); rpc.CodeOf(err) != rpc.CodeNotFound {
		t.Errorf("async call to a missing path: %v, want CodeNotFound", err)
	}
}

func TestSessionSwap(t *testing.T) {
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		hdMust(t, srv.Router().HandleCall("/hd/remember", rpc.CallFunc(func(ctx *rpc.CallCtx, arg *string) (bool, error) {
			_, had := ctx.Session().Values().Swap("name", *arg)
			return had, nil
		})))
		hdMust(t, srv.Router().HandleCall("/hd/recall", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (string, error) {
			v, ok := ctx.Session().Values().Load("name")
			if !ok {
				return "", rpc.NewStatus(rpc.CodeNotFound, "nothing remembered")
			}
			return v.(string), nil
		})))
	}})
	ctx := testCtx(t)
	if err := p.sess.Call(ctx, "/hd/recall", struct{}{}, nil); rpc.CodeOf(err) != rpc.CodeNotFound {
		t.Fatalf("recall before remember: %v", err)
	}
	var had bool
	hdMust(t, p.sess.Call(ctx, "/hd/remember", "ann", &had))
	var got string
	hdMust(t, p.sess.Call(ctx, "/hd/recall", struct{}{}, &got))
	if had || got != "ann" {
		t.Errorf("had %v, recalled %q", had, got)
	}
	if v, ok := p.serverSession(t).Values().Load("name"); !ok || v != "ann" {
		t.Errorf("the server session's Swap holds %v, %v", v, ok)
	}
	if _, ok := p.sess.Values().Load("name"); ok {
		t.Error("the client session shares the server's storage")
	}
}

func TestEndpointSessions(t *testing.T) {
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		hdMust(t, srv.Router().HandleCall("/hd/id", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *int) (string, error) {
			return ctx.Session().ID(), nil
		})))
	}})
	ctx := testCtx(t)
	ss := p.serverSession(t)

	t.Run("default ids", func(t *testing.T) {
		if p.sess.ID() != p.sess.LocalAddr().String() {
			t.Errorf("dialed session id %q, want its local address %s", p.sess.ID(), p.sess.LocalAddr())
		}
		if ss.ID() != p.sess.LocalAddr().String() {
			t.Errorf("accepted session id %q, want the peer's address %s", ss.ID(), p.sess.LocalAddr())
		}
		if !p.sess.Dialed() || ss.Dialed() {
			t.Errorf("Dialed: client %v server %v", p.sess.Dialed(), ss.Dialed())
		}
		if p.sess.Endpoint() != p.cli || ss.Endpoint() != p.srv {
			t.Error("Session.Endpoint is not the session's endpoint")
		}
	})

	t.Run("lookup", func(t *testing.T) {
		if p.srv.CountSessions() != 1 || p.cli.CountSessions() != 1 {
			t.Errorf("counts: server %d client %d", p.srv.CountSessions(), p.cli.CountSessions())
		}
		if s, ok := p.srv.Session(ss.ID()); !ok || s != ss {
			t.Errorf("Session(%q) = %p, %v", ss.ID(), s, ok)
		}
		if s, ok := p.cli.Session(p.sess.ID()); !ok || s != p.sess {
			t.Errorf("Session(%q) = %p, %v", p.sess.ID(), s, ok)
		}
		if s, ok := p.srv.Session("no such session"); ok || s != nil {
			t.Errorf("Session(unknown) = %p, %v", s, ok)
		}
	})

	s2, err := p.cli.Dial(ctx, p.addr)
	hdMust(t, err)
	waitFor(t, "the server to have two sessions", func() bool { return p.srv.CountSessions() == 2 })

	t.Run("range", func(t *testing.T) {
		if n := p.cli.CountSessions(); n != 2 {
			t.Fatalf("client has %d sessions, want 2", n)
		}
		seen := map[*rpc.Session]bool{}
		p.cli.RangeSessions(func(s *rpc.Session) bool { seen[s] = true; return true })
		if len(seen) != 2 || !seen[p.sess] || !seen[s2] {
			t.Errorf("RangeSessions visited %v", seen)
		}
		visits := 0
		p.cli.RangeSessions(func(*rpc.Session) bool { visits++; return false })
		if visits != 1 {
			t.Errorf("RangeSessions went on after false: %d visits", visits)
		}
	})

	t.Run("SetID", func(t *testing.T) {
		if err := p.sess.SetID(s2.ID()); err == nil {
			t.Error("SetID to a taken id succeeded")
		}
		if err := p.sess.SetID(p.sess.ID()); err != nil {
			t.Errorf("SetID to its own id: %v", err)
		}
		old := p.sess.ID()
		hdMust(t, p.sess.SetID("alpha"))
		if p.sess.ID() != "alpha" {
			t.Errorf("ID() = %q after SetID", p.sess.ID())
		}
		if s, ok := p.cli.Session("alpha"); !ok || s != p.sess {
			t.Errorf("Session(alpha) = %p, %v", s, ok)
		}
		if _, ok := p.cli.Session(old); ok {
			t.Errorf("the old id %q still finds a session", old)
		}
		if err := s2.SetID("alpha"); err == nil {
			t.Error("a second session took the id alpha")
		}
		// The server names its sessions too, and a handler sees the name.
		hdMust(t, ss.SetID("client-1"))
		var id string
		hdMust(t, p.sess.Call(ctx, "/hd/id", 0, &id))
		if id != "client-1" {
			t.Errorf("the handler's session id is %q, want client-1", id)
		}
		if p.cli.CountSessions() != 2 || p.srv.CountSessions() != 2 {
			t.Errorf("renaming changed the counts: client %d server %d", p.cli.CountSessions(), p.srv.CountSessions())
		}
	})

	t.Run("close", func(t *testing.T) {
		hdMust(t, s2.Close())
		if n := p.cli.CountSessions(); n != 1 {
			t.Errorf("client has %d sessions after Close, want 1", n)
		}
		waitFor(t, "the server to drop the closed session", func() bool { return p.srv.CountSessions() == 1 })
		if s, ok := p.srv.Session("client-1"); !ok || s != ss {
			t.Errorf("the remaining server session is not client-1")
		}
	})
}

func TestBroadcast(t *testing.T) {
	got1, got2 := make(chan string, 1), make(chan string, 1)
	news := func(ch chan string) rpc.PushHandler {
		return rpc.PushFunc(func(ctx *rpc.PushCtx, arg *string) error {
			ch <- ctx.ServiceMethod() + "=" + *arg
			return nil
		})
	}
	p := newPair(t, pairOptions{cliSetup: func(cli *rpc.Endpoint) {
		hdMust(t, cli.Router().HandlePush("/hd/news", news(got1)))
	}})
	cli2, err := rpc.NewEndpoint(rpc.Config{})
	hdMust(t, err)
	t.Cleanup(func() { cli2.Close() })
	hdMust(t, cli2.Router().HandlePush("/hd/news", news(got2)))
	ctx := testCtx(t)
	if _, err := cli2.Dial(ctx, p.addr); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the server to have both sessions", func() bool { return p.srv.CountSessions() == 2 })

	hdMust(t, p.srv.Broadcast(ctx, "/hd/news", "hello"))
	for i, ch := range []chan string{got1, got2} {
		select {
		case v := <-ch:
			if v != "/hd/news=hello" {
				t.Errorf("client %d got %q", i+1, v)
			}
		case <-ctx.Done():
			t.Fatalf("client %d got no broadcast", i+1)
		}
	}

	// Broadcast reports, joined, the sessions it could not push to.
	err = p.srv.Broadcast(ctx, "/hd/news", "again", rpc.WithCodec("nope"))
	if err == nil || rpc.CodeOf(err) != rpc.CodeCodec {
		t.Errorf("Broadcast with an unknown codec: %v", err)
	}
	var st *rpc.Status
	if !errors.As(err, &st) {
		t.Errorf("the joined error holds no *rpc.Status: %v", err)
	}
}
