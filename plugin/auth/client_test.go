package auth_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/plugin/auth"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// TestWrongToken: a client whose token the server refuses logs it, closes
// its session and does not redial, and its calls fail with the server's
// CodeUnauthorized.
func TestWrongToken(t *testing.T) {
	for _, ft := range formats {
		t.Run(ft.name, func(t *testing.T) {
			leakcheck.Check(t)
			f := startServer(t, serverOpts{format: ft.f})
			var l logs
			cli := newClient(t, clientOpts{format: ft.f, rpc: rpc.Config{
				Logger: slog.New(&l),
				Redial: rpc.RedialPolicy{Attempts: -1, MinDelay: time.Millisecond},
			}}, tokenClient(t, "t0ps3cret"))
			sess := dial(t, cli, f.addr)
			<-sess.Done()
			_, err := whoami(t, sess)
			wantCode(t, err, rpc.CodeUnauthorized)
			f.waitEnded(t) // the client closed it, before the server would
			if !l.has("auth: the server refused the credential") {
				t.Fatalf("no warning logged; logs:\n%s", l.all())
			}
			if strings.Contains(l.all(), "t0ps3cret") {
				t.Fatalf("the token was logged:\n%s", l.all())
			}
			// A redial may race the client's reading of the refusal; none
			// follows it (the session is closed).
			if n := f.verifies.Load(); n < 1 {
				t.Fatalf("Verify ran %d times", n)
			}
		})
	}
}

// TestRedial: when the server restarts on the same address, the session
// redials and presents its credential again at once, before any call.
func TestRedial(t *testing.T) {
	leakcheck.Check(t)
	f := startServer(t, serverOpts{})
	cli := newClient(t, clientOpts{rpc: rpc.Config{
		Redial: rpc.RedialPolicy{Attempts: -1, MinDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond},
	}}, tokenClient(t, "good"))
	sess := dial(t, cli, f.addr)
	wantIdentity(t, sess, "alice")
	f.srv.Close()

	var f2 *fixture
	rpctest.WaitFor(t, "the server listening again", func() bool {
		var err error
		f2, err = tryStartServer(t, serverOpts{addr: f.addr})
		return err == nil
	})
	rpctest.WaitFor(t, "the hello on the new connection", func() bool { return f2.verifies.Load() == 1 })
	wantIdentity(t, sess, "alice", rpc.WithWaitForReady())
	if n := f2.verifies.Load(); n != 1 {
		t.Fatalf("Verify ran %d times on the new server, want 1", n)
	}
}

// TestCredentialFunc: the credential comes from a func, called for every
// connection; its failure fails the dial.
func TestCredentialFunc(t *testing.T) {
	leakcheck.Check(t)
	f := startServer(t, serverOpts{})
	var calls atomic.Int64
	cli := newClient(t, clientOpts{}, credClient(t, func(context.Context, *rpc.Session) (string, error) {
		calls.Add(1)
		return "Bearer bob", nil
	}))
	sess := dial(t, cli, f.addr)
	for range 3 {
		wantIdentity(t, sess, "bob")
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("Credential ran %d times for one connection, want 1", n)
	}
}

// TestCredentialFuncFails: a Credential func that fails, or gives nothing,
// fails the dial with CodeUnauthorized and ErrCredential.
func TestCredentialFuncFails(t *testing.T) {
	leakcheck.Check(t)
	f := startServer(t, serverOpts{})
	boom := errors.New("token endpoint unreachable")
	for _, tc := range []struct {
		name string
		fn   func(context.Context, *rpc.Session) (string, error)
		want error
	}{
		{"error", func(context.Context, *rpc.Session) (string, error) { return "", boom }, boom},
		{"empty", func(context.Context, *rpc.Session) (string, error) { return "", nil }, auth.ErrCredential},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli := newClient(t, clientOpts{}, credClient(t, tc.fn))
			_, err := cli.Dial(rpctest.Context(t), f.addr)
			wantCode(t, err, rpc.CodeUnauthorized)
			if !errors.Is(err, auth.ErrCredential) || !errors.Is(err, tc.want) {
				t.Fatalf("dial error %v does not wrap ErrCredential and %v", err, tc.want)
			}
		})
	}
	if n := f.verifies.Load(); n != 0 {
		t.Fatalf("Verify ran %d times", n)
	}
}

// TestCredentialFuncRefused: with a Credential func, a refused credential
// closes the connection but not the session, which redials by its policy
// and asks the func again.
func TestCredentialFuncRefused(t *testing.T) {
	for _, ft := range formats {
		t.Run(ft.name, func(t *testing.T) {
			leakcheck.Check(t)
			f := startServer(t, serverOpts{format: ft.f})
			var calls atomic.Int64
			c := credClient(t, func(context.Context, *rpc.Session) (string, error) {
				if calls.Add(1) == 1 {
					return "Bearer expired", nil
				}
				return "Bearer good", nil
			})
			cli := newClient(t, clientOpts{format: ft.f, rpc: rpc.Config{
				Redial: rpc.RedialPolicy{Attempts: -1, MinDelay: time.Millisecond},
			}}, c)
			sess := dial(t, cli, f.addr)
			f.waitEnded(t)
			rpctest.WaitFor(t, "a call on a redialed connection", func() bool {
				got, err := whoami(t, sess, rpc.WithWaitForReady())
				return err == nil && got == "alice"
			})
			if n := calls.Load(); n < 2 {
				t.Fatalf("Credential ran %d times, want 2 or more", n)
			}
		})
	}
}

// TestCallerCredentialWins: a credential the caller sets on a call is sent
// instead of the client's.
func TestCallerCredentialWins(t *testing.T) {
	leakcheck.Check(t)
	f := startServer(t, serverOpts{})
	cli := newClient(t, clientOpts{}, tokenClient(t, "good"))
	sess := dial(t, cli, f.addr)
	wantIdentity(t, sess, "bob", rpc.WithMeta(auth.MetaKey, "Bearer bob"))
}

// TestNewClientConfig: exactly one of Token and Credential; printing the
// config hides the token.
func TestNewClientConfig(t *testing.T) {
	fn := func(context.Context, *rpc.Session) (string, error) { return "x", nil }
	for _, cfg := range []auth.ClientConfig{{}, {Token: "x", Credential: fn}} {
		if _, err := auth.NewClient(cfg); !errors.Is(err, auth.ErrConfig) {
			t.Fatalf("NewClient(%v): %v, want ErrConfig", cfg, err)
		}
	}
	cfg := auth.ClientConfig{Token: "t0ps3cret"}
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("config", "cfg", cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), b.String()} {
		if strings.Contains(s, "t0ps3cret") {
			t.Fatalf("the token shows in %q", s)
		}
	}
}
