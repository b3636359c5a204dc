package auth_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/plugin/auth"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/rpc/wire"
	rpchttp "github.com/dmicro-go/dmicro/rpc/wire/http"
	"github.com/dmicro-go/dmicro/rpc/wire/json"
	"github.com/dmicro-go/dmicro/rpc/wire/jsonrpc"
	"github.com/dmicro-go/dmicro/rpc/wire/pb"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// formats are the frame formats every behaviour is checked over.
var formats = []struct {
	name string
	f    wire.Format
}{
	{"raw", nil},
	{"json", json.Format{}},
	{"pb", pb.Format{}},
	{"jsonrpc", jsonrpc.Format{}},
	{"http", rpchttp.Format{}},
}

// users are the credentials the test servers accept.
var users = map[string]string{
	"Bearer good": "alice",
	"Bearer bob":  "bob",
}

// fixture is a server endpoint with the auth plugin, its routes, and what
// it saw.
type fixture struct {
	srv      *rpc.Endpoint
	addr     string
	verifies atomic.Int64 // calls of Verify
	pushes   chan string  // the identity each push handler saw
	ended    chan error   // why each accepted session ended
}

// serverOpts changes a fixture's configs.
type serverOpts struct {
	format wire.Format
	addr   string // "" for a fresh port
	auth   auth.ServerConfig
	rpc    rpc.Config
}

// startServer serves a fixture until the test ends. Its Verify (unless
// o.auth has one) accepts users; its routes are /whoami (the caller's
// identity, or "nobody"), /health and the push /note.
func startServer(t testing.TB, o serverOpts) *fixture {
	t.Helper()
	f, err := tryStartServer(t, o)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// tryStartServer is startServer, failing only if it cannot listen.
func tryStartServer(t testing.TB, o serverOpts) (*fixture, error) {
	t.Helper()
	f := &fixture{pushes: make(chan string, 100), ended: make(chan error, 100)}
	if o.auth.Verify == nil {
		o.auth.Verify = func(_ context.Context, cred string, _ *rpc.Session) (any, error) {
			f.verifies.Add(1)
			if user, ok := users[cred]; ok {
				return user, nil
			}
			return nil, errors.New("unknown token " + cred) // never reaches the peer
		}
	}
	p, err := auth.NewServer(o.auth)
	if err != nil {
		t.Fatal(err)
	}
	cfg := o.rpc
	cfg.Format = o.format
	cfg.ListenAddr = o.addr
	if cfg.ListenAddr == "" {
		cfg.ListenAddr = rpctest.Loopback(t)
	}
	srv, err := rpc.NewEndpoint(cfg, p, endWatch{f.ended})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	r := srv.Router()
	must(t, r.HandleCall("/whoami", rpc.CallFunc(func(c *rpc.CallCtx, _ *struct{}) (string, error) {
		return identity(c.Context()), nil
	})))
	must(t, r.HandleCall("/health", rpc.CallFunc(func(c *rpc.CallCtx, _ *struct{}) (string, error) {
		return "ok for " + identity(c.Context()), nil
	})))
	must(t, r.HandlePush("/note", rpc.PushFunc(func(c *rpc.PushCtx, _ *string) error {
		f.pushes <- identity(c.Context())
		return nil
	})))
	l, err := srv.Listen(rpctest.Context(t))
	if err != nil {
		srv.Close()
		return nil, err
	}
	go srv.Serve(l)
	f.srv, f.addr = srv, l.Addr().String()
	return f, nil
}

// identity is the handler's identity as text.
func identity(ctx context.Context) string {
	id, ok := auth.IdentityFrom(ctx)
	if !ok {
		return "nobody"
	}
	return fmt.Sprint(id)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// endWatch is a server plugin that reports why each accepted session ended.
type endWatch struct{ ch chan error }

func (endWatch) Name() string { return "end-watch" }

func (w endWatch) AfterDisconnect(s *rpc.Session, err error) error {
	if !s.Dialed() {
		select {
		case w.ch <- err:
		default:
		}
	}
	return nil
}

// waitEnded waits for an accepted session to end and returns why.
func (f *fixture) waitEnded(t testing.TB) error {
	t.Helper()
	select {
	case err := <-f.ended:
		return err
	case <-rpctest.Context(t).Done():
		t.Fatal("no server session ended")
		return nil
	}
}

// serverSession returns the fixture's one accepted session.
func (f *fixture) serverSession(t testing.TB) *rpc.Session {
	t.Helper()
	var got *rpc.Session
	rpctest.WaitFor(t, "one server session", func() bool {
		n := 0
		f.srv.RangeSessions(func(s *rpc.Session) bool {
			got = s
			n++
			return true
		})
		return n == 1
	})
	return got
}

// clientOpts changes a client's config.
type clientOpts struct {
	format wire.Format
	rpc    rpc.Config
}

// newClient makes a client endpoint with plugins, closed when the test ends.
func newClient(t testing.TB, o clientOpts, plugins ...rpc.Plugin) *rpc.Endpoint {
	t.Helper()
	cfg := o.rpc
	cfg.Format = o.format
	cli, err := rpc.NewEndpoint(cfg, plugins...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// dial dials addr from cli.
func dial(t testing.TB, cli *rpc.Endpoint, addr string) *rpc.Session {
	t.Helper()
	sess, err := cli.Dial(rpctest.Context(t), addr)
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

// credClient returns a client plugin whose credential comes from fn.
func credClient(t testing.TB, fn func(context.Context, *rpc.Session) (string, error)) *auth.Client {
	t.Helper()
	c, err := auth.NewClient(auth.ClientConfig{Credential: fn})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tokenClient returns a client plugin with a bearer token.
func tokenClient(t testing.TB, token string) *auth.Client {
	t.Helper()
	c, err := auth.NewClient(auth.ClientConfig{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// whoami calls /whoami and returns the identity the server saw.
func whoami(t testing.TB, s *rpc.Session, opts ...rpc.CallOption) (string, error) {
	t.Helper()
	var got string
	err := s.Call(rpctest.Context(t), "/whoami", struct{}{}, &got, opts...)
	return got, err
}

// wantIdentity calls /whoami and fails the test unless the server saw the
// identity want.
func wantIdentity(t testing.TB, s *rpc.Session, want string, opts ...rpc.CallOption) {
	t.Helper()
	if got, err := whoami(t, s, opts...); err != nil || got != want {
		t.Fatalf("whoami: %q, %v; want %q", got, err, want)
	}
}

// wantCode fails the test unless err has code.
func wantCode(t testing.TB, err error, code rpc.Code) {
	t.Helper()
	if rpc.CodeOf(err) != code {
		t.Fatalf("got %v (code %v), want code %v", err, rpc.CodeOf(err), code)
	}
}

// logs is a slog handler that keeps the messages of the records it gets.
type logs struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logs) Enabled(context.Context, slog.Level) bool { return true }
func (l *logs) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logs) WithGroup(string) slog.Handler            { return l }

func (l *logs) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.String())
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, b.String())
	return nil
}

// has reports whether a logged line contains s.
func (l *logs) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.msgs {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// all returns every line logged.
func (l *logs) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.msgs, "\n")
}

// dialRaw opens a plain TCP connection to addr, closed when the test ends.
func dialRaw(t testing.TB, addr string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}
