package auth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/plugin/auth"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// TestAuthenticated: over every format, many goroutines call at once right
// after the dial; each handler sees the caller's identity, the server
// verifies the credential once for the connection, and pushes carry it too.
func TestAuthenticated(t *testing.T) {
	for _, ft := range formats {
		t.Run(ft.name, func(t *testing.T) {
			leakcheck.Check(t)
			f := startServer(t, serverOpts{format: ft.f})
			cli := newClient(t, clientOpts{format: ft.f}, tokenClient(t, "good"))
			ctx := rpctest.Context(t)
			sess := dial(t, cli, f.addr)
			const goroutines, calls = 16, 5
			var wg sync.WaitGroup
			errs := make(chan error, goroutines*calls)
			for range goroutines {
				wg.Go(func() {
					for range calls {
						got, err := whoami(t, sess)
						if err == nil && got != "alice" {
							err = fmt.Errorf("identity %q, want alice", got)
						}
						if err != nil {
							errs <- err
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if err := sess.Push(ctx, "/note", "hi"); err != nil {
				t.Fatal(err)
			}
			select {
			case got := <-f.pushes:
				if got != "alice" {
					t.Fatalf("push handler saw %q, want alice", got)
				}
			case <-ctx.Done():
				t.Fatal("push not handled")
			}
			if id, ok := auth.SessionIdentity(f.serverSession(t)); !ok || id != "alice" {
				t.Fatalf("SessionIdentity = %v, %v; want alice, true", id, ok)
			}
			if n := f.verifies.Load(); n != 1 {
				t.Fatalf("Verify ran %d times for one connection, want 1", n)
			}
		})
	}
}

// TestRefused: a client that sends no credential, or a wrong one, gets
// CodeUnauthorized with a message that does not echo the credential, and
// the server closes its session; over http the connection stays open for
// a retry with a credential.
func TestRefused(t *testing.T) {
	for _, tc := range []struct {
		name, cred, msg string
		verifies        int64
	}{
		{"missing", "", "rpc: unauthorized: auth: missing credential", 0},
		{"wrong", "Bearer n0pe", "rpc: unauthorized: auth: credential refused", 1},
	} {
		for _, ft := range formats {
			t.Run(tc.name+"/"+ft.name, func(t *testing.T) {
				leakcheck.Check(t)
				f := startServer(t, serverOpts{format: ft.f})
				cli := newClient(t, clientOpts{format: ft.f}) // no auth plugin
				sess := dial(t, cli, f.addr)
				var opts []rpc.CallOption
				if tc.cred != "" {
					opts = append(opts, rpc.WithMeta(auth.MetaKey, tc.cred))
				}
				_, err := whoami(t, sess, opts...)
				wantCode(t, err, rpc.CodeUnauthorized)
				if err.Error() != tc.msg {
					t.Fatalf("refused with %q, want %q", err, tc.msg)
				}
				if n := f.verifies.Load(); n != tc.verifies {
					t.Fatalf("Verify ran %d times, want %d", n, tc.verifies)
				}
				if ft.name == "http" {
					wantIdentity(t, sess, "alice", rpc.WithMeta(auth.MetaKey, "Bearer good"))
					return
				}
				<-sess.Done()
				wantCode(t, f.waitEnded(t), rpc.CodeUnauthorized)
			})
		}
	}
}

// TestHandshakeTimeout: a session that keeps calling public paths but
// never presents a credential is closed after the handshake timeout, over
// every format.
func TestHandshakeTimeout(t *testing.T) {
	for _, ft := range formats {
		t.Run(ft.name, func(t *testing.T) {
			leakcheck.Check(t)
			f := startServer(t, serverOpts{format: ft.f, auth: auth.ServerConfig{
				Public:           []string{"/health"},
				HandshakeTimeout: 50 * time.Millisecond,
			}})
			cli := newClient(t, clientOpts{format: ft.f})
			ctx := rpctest.Context(t)
			sess := dial(t, cli, f.addr)
			for done := false; !done; {
				var got string
				err := sess.Call(ctx, "/health", struct{}{}, &got)
				if err == nil && got != "ok for nobody" {
					t.Fatalf("public call: %q", got)
				}
				select {
				case <-sess.Done():
					done = true
				default:
				}
			}
			err := f.waitEnded(t)
			wantCode(t, err, rpc.CodeUnauthorized)
			if !strings.Contains(err.Error(), "no valid credential within 50ms") {
				t.Fatalf("session ended with %q", err)
			}
		})
	}
}

// TestSilentClient: a raw TCP client that connects and says nothing is
// closed after the handshake timeout (the endpoint's own first-frame limit
// is off, so only the plugin can close it).
func TestSilentClient(t *testing.T) {
	leakcheck.Check(t)
	f := startServer(t, serverOpts{
		auth: auth.ServerConfig{HandshakeTimeout: 50 * time.Millisecond},
		rpc:  rpc.Config{FirstFrameTimeout: -1},
	})
	nc := dialRaw(t, f.addr)
	nc.SetReadDeadline(time.Now().Add(rpctest.Timeout))
	if _, err := io.ReadAll(nc); err != nil {
		t.Fatalf("the server did not close the silent connection: %v", err)
	}
	err := f.waitEnded(t)
	wantCode(t, err, rpc.CodeUnauthorized)
	if !strings.Contains(err.Error(), "no valid credential within 50ms") {
		t.Fatalf("session ended with %q", err)
	}
}

// TestPublicPaths: a public path answers without a credential, checks one
// given, and any other path refuses.
func TestPublicPaths(t *testing.T) {
	leakcheck.Check(t)
	f := startServer(t, serverOpts{auth: auth.ServerConfig{Public: []string{"/health"}}})
	cli := newClient(t, clientOpts{})
	ctx := rpctest.Context(t)
	sess := dial(t, cli, f.addr)
	var got string
	if err := sess.Call(ctx, "/health", struct{}{}, &got); err != nil || got != "ok for nobody" {
		t.Fatalf("public call: %q, %v", got, err)
	}
	// A credential on a public path is checked, and its identity given.
	err := sess.Call(ctx, "/health", struct{}{}, &got, rpc.WithMeta(auth.MetaKey, "Bearer bob"))
	if err != nil || got != "ok for bob" {
		t.Fatalf("public call with a credential: %q, %v", got, err)
	}
	sess.Close()
	f.waitEnded(t)

	// A private path refuses the call and closes the session.
	sess = dial(t, cli, f.addr)
	if err := sess.Call(ctx, "/health", struct{}{}, &got); err != nil {
		t.Fatalf("public call: %q, %v", got, err)
	}
	_, err = whoami(t, sess)
	wantCode(t, err, rpc.CodeUnauthorized)
	<-sess.Done()
}

// TestPublicPrefix: an entry ending in "/" opens every path under it.
func TestPublicPrefix(t *testing.T) {
	leakcheck.Check(t)
	f := startServer(t, serverOpts{auth: auth.ServerConfig{Public: []string{"/open/"}}})
	must(t, f.srv.Router().HandleCall("/open/door", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) {
		return "open", nil
	})))
	cli := newClient(t, clientOpts{})
	ctx := rpctest.Context(t)
	sess := dial(t, cli, f.addr)
	var got string
	if err := sess.Call(ctx, "/open/door", struct{}{}, &got); err != nil || got != "open" {
		t.Fatalf("call under a public prefix: %q, %v", got, err)
	}
	err := sess.Call(ctx, "/opener", struct{}{}, &got)
	wantCode(t, err, rpc.CodeUnauthorized)
}

// TestAuthenticatedSessionRefusesMessage: once a session presented a valid
// credential, a message with a wrong one is refused alone, and one with
// another valid credential gets that credential's identity (a proxy's
// connection shared by several users).
func TestAuthenticatedSessionRefusesMessage(t *testing.T) {
	leakcheck.Check(t)
	f := startServer(t, serverOpts{})
	cli := newClient(t, clientOpts{}, tokenClient(t, "good"))
	sess := dial(t, cli, f.addr)
	wantIdentity(t, sess, "alice")
	_, err := whoami(t, sess, rpc.WithMeta(auth.MetaKey, "Bearer n0pe"))
	wantCode(t, err, rpc.CodeUnauthorized)
	for range 2 {
		wantIdentity(t, sess, "bob", rpc.WithMeta(auth.MetaKey, "Bearer bob"))
	}
	wantIdentity(t, sess, "alice")
	if id, _ := auth.SessionIdentity(f.serverSession(t)); id != "alice" {
		t.Fatalf("SessionIdentity = %v, want alice", id)
	}
	// alice once, n0pe once, bob once: each credential is verified once.
	if n := f.verifies.Load(); n != 3 {
		t.Fatalf("Verify ran %d times, want 3", n)
	}
}

// TestVerifyStatus: a *rpc.Status from Verify is the peer's answer; any
// other error is "credential refused".
func TestVerifyStatus(t *testing.T) {
	leakcheck.Check(t)
	f := startServer(t, serverOpts{auth: auth.ServerConfig{
		Verify: func(_ context.Context, cred string, _ *rpc.Session) (any, error) {
			if cred == "Bearer later" {
				return nil, fmt.Errorf("lookup: %w", rpc.NewStatus(rpc.CodeUnavailable, "token store down"))
			}
			return nil, errors.New("secret reason")
		},
	}})
	cli := newClient(t, clientOpts{})
	for _, tc := range []struct {
		cred, want string
		code       rpc.Code
	}{
		{"Bearer later", "rpc: unavailable: token store down", rpc.CodeUnavailable},
		{"Bearer other", "rpc: unauthorized: auth: credential refused", rpc.CodeUnauthorized},
	} {
		sess := dial(t, cli, f.addr)
		_, err := whoami(t, sess, rpc.WithMeta(auth.MetaKey, tc.cred))
		wantCode(t, err, tc.code)
		if err.Error() != tc.want {
			t.Fatalf("got %q, want %q", err, tc.want)
		}
		<-sess.Done()
	}
}

// TestNewServerConfig: Verify is required.
func TestNewServerConfig(t *testing.T) {
	if _, err := auth.NewServer(auth.ServerConfig{}); !errors.Is(err, auth.ErrConfig) {
		t.Fatalf("NewServer without Verify: %v, want ErrConfig", err)
	}
}

// TestDialedSessionsUnchecked: calls arriving on a session the server
// endpoint dialed itself need no credential.
func TestDialedSessionsUnchecked(t *testing.T) {
	leakcheck.Check(t)
	f := startServer(t, serverOpts{})
	peer := newClient(t, clientOpts{rpc: rpc.Config{ListenAddr: rpctest.Loopback(t)}})
	must(t, peer.Router().HandleCall("/ping", rpc.CallFunc(func(c *rpc.CallCtx, _ *struct{}) (string, error) {
		// The peer calls back on the session the auth server dialed.
		var got string
		err := c.Session().Call(c.Context(), "/whoami", struct{}{}, &got)
		return got, err
	})))
	ctx := rpctest.Context(t)
	l, err := peer.Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	go peer.Serve(l)
	sess, err := f.srv.Dial(ctx, l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := sess.Call(ctx, "/ping", struct{}{}, &got); err != nil || got != "nobody" {
		t.Fatalf("call back on a dialed session: %q, %v", got, err)
	}
}

// TestManyCredentials: more credentials on one session than it remembers
// (a proxy's connection with many users), sent at once: each handler gets
// the identity of its own message's credential.
func TestManyCredentials(t *testing.T) {
	leakcheck.Check(t)
	f := startServer(t, serverOpts{auth: auth.ServerConfig{
		Verify: func(_ context.Context, cred string, _ *rpc.Session) (any, error) {
			user, ok := strings.CutPrefix(cred, "Bearer ")
			if !ok {
				return nil, errors.New("not a bearer token")
			}
			return user, nil
		},
	}})
	cli := newClient(t, clientOpts{}, tokenClient(t, "first"))
	sess := dial(t, cli, f.addr)
	wantIdentity(t, sess, "first")
	const users = 200
	var wg sync.WaitGroup
	errs := make(chan error, users)
	for i := range users {
		wg.Go(func() {
			want := fmt.Sprint("user-", i)
			for range 3 {
				got, err := whoami(t, sess, rpc.WithMeta(auth.MetaKey, "Bearer "+want))
				if err == nil && got != want {
					err = fmt.Errorf("identity %q, want %q", got, want)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if id, _ := auth.SessionIdentity(f.serverSession(t)); id != "first" {
		t.Fatalf("SessionIdentity = %v, want first", id)
	}
}

// TestPushWithoutCredential: a push without a credential is dropped before
// its handler, and closes a session that never authenticated.
func TestPushWithoutCredential(t *testing.T) {
	leakcheck.Check(t)
	f := startServer(t, serverOpts{})
	cli := newClient(t, clientOpts{})
	sess := dial(t, cli, f.addr)
	if err := sess.Push(rpctest.Context(t), "/note", "hi"); err != nil {
		t.Fatal(err)
	}
	<-sess.Done()
	wantCode(t, f.waitEnded(t), rpc.CodeUnauthorized)
	if len(f.pushes) != 0 {
		t.Fatal("the push handler ran")
	}
}
