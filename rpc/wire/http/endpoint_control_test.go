package http

import (
	"context"
	"errors"
	"io"
	nethttp "net/http"
	"net/http/httptrace"
	"net/textproto"
	"strconv"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// TestDmicroCancelOverHTTP cancels a call pipelined behind another one
// still running: the canceled handler's context ends with
// context.Canceled, the call before it is answered as usual, and the
// connection stays in step for the calls after.
func TestDmicroCancelOverHTTP(t *testing.T) {
	leakcheck.Check(t)
	s := startServer(t)
	started, ended := make(chan struct{}), make(chan error, 1)
	if err := s.ep.Router().HandleCall("/block", rpc.CallFunc(func(c *rpc.CallCtx, _ *struct{}) (int, error) {
		close(started)
		<-c.Context().Done()
		ended <- c.Context().Err()
		return 0, c.Context().Err()
	})); err != nil {
		t.Fatal(err)
	}
	cli, err := rpc.NewEndpoint(rpc.Config{Format: Format{}})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx := rpctest.Context(t)
	sess, err := cli.Dial(ctx, s.addr)
	if err != nil {
		t.Fatal(err)
	}
	var waited string
	first := sess.AsyncCall(ctx, "/pipe/wait", struct{}{}, &waited) // holds the responses after it
	cctx, cancel := context.WithCancel(ctx)
	blocked := sess.AsyncCall(cctx, "/block", struct{}{}, nil)
	<-started
	cancel()
	if err := blocked.Err(); rpc.CodeOf(err) != rpc.CodeCanceled {
		t.Fatalf("canceled call: %v", err)
	}
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Fatalf("the handler's context ended with %v, want context.Canceled", err)
	}
	var went string
	if err := sess.Call(ctx, "/pipe/go", struct{}{}, &went); err != nil || went != "went" {
		t.Fatalf("/pipe/go: %q, %v", went, err)
	}
	if err := first.Err(); err != nil || waited != "waited" {
		t.Fatalf("the call before the canceled one: %q, %v", waited, err)
	}
	for i := range 3 {
		var sum int
		if err := sess.Call(ctx, "/math/add", []int{i, 1}, &sum); err != nil || sum != i+1 {
			t.Fatalf("call %d after the cancel: %d, %v", i, sum, err)
		}
	}
}

// The conformance suite's GoingAway (rpc.TestConformanceFormats) restarts
// a server under load over this format.

// TestPlainClientsAndTheGoAwayInterim shuts a server down while a plain
// HTTP client's call is running: the client gets the go-away interim
// response at once, skips it, and then gets its answer, which says
// "Connection: close". Go's net/http client and curl both.
func TestPlainClientsAndTheGoAwayInterim(t *testing.T) {
	for _, client := range []string{"net/http", "curl"} {
		t.Run(client, func(t *testing.T) {
			leakcheck.Check(t)
			if client == "curl" {
				curlPath(t) // skips, or fails under CI=true, without curl
			}
			s := startServer(t)
			started, release := make(chan struct{}), make(chan struct{})
			if err := s.ep.Router().HandleCall("/held", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) {
				close(started)
				<-release
				return "held", nil
			})); err != nil {
				t.Fatal(err)
			}
			interim := make(chan string, 1) // what the client says it got
			answer := make(chan response, 1)
			go func() {
				defer close(answer)
				if client == "curl" {
					r, ok := curlWatching(t, interim, "-X", "POST", "-H", "Content-Type: application/json", "--data", "{}", s.url+"/held")
					if ok {
						answer <- r
					}
					return
				}
				trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
					interim <- strconv.Itoa(code) + " " + h.Get("Rpc-Type")
					return nil
				}}
				req, _ := nethttp.NewRequestWithContext(httptrace.WithClientTrace(rpctest.Context(t), trace), "POST", s.url+"/held", strings.NewReader("{}"))
				req.Header.Set("Content-Type", "application/json")
				tr := &nethttp.Transport{}
				defer tr.CloseIdleConnections()
				resp, err := tr.RoundTrip(req)
				if err != nil {
					t.Error(err)
					return
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				answer <- response{resp, string(body)}
			}()
			<-started
			shutdown := make(chan error, 1)
			go func() { shutdown <- s.ep.Shutdown(rpctest.Context(t)) }()
			var r response
			var ok bool
			select {
			case got := <-interim:
				if got != "102 goaway" {
					t.Errorf("the client got the interim response %q, want \"102 goaway\"", got)
				}
				close(release)
				r, ok = <-answer
			case r, ok = <-answer:
				close(release)
				t.Error("the answer came before the go-away interim response")
			}
			if !ok {
				t.Fatal("no answer")
			}
			if r.StatusCode != 200 || r.body != `"held"` || !r.Close {
				t.Fatalf("answer %d %q close %v; want 200 \"held\", closing", r.StatusCode, r.body, r.Close)
			}
			if err := <-shutdown; err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
		})
	}
}

// TestClientShutdownOverHTTP shuts the dialing side down while each side
// has a call in flight to the other: the client's go-away request stops
// the server's new calls, both calls finish, and Shutdown returns.
func TestClientShutdownOverHTTP(t *testing.T) {
	leakcheck.Check(t)
	s := startServer(t)
	cli, err := rpc.NewEndpoint(rpc.Config{Format: Format{}})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	inServer, releaseServer := make(chan struct{}), make(chan struct{})
	if err := s.ep.Router().HandleCall("/held", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) {
		close(inServer)
		<-releaseServer
		return "held", nil
	})); err != nil {
		t.Fatal(err)
	}
	inClient, releaseClient := make(chan struct{}), make(chan struct{})
	if err := cli.Router().HandleCall("/client/slow", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) {
		close(inClient)
		<-releaseClient
		return "client-slow", nil
	})); err != nil {
		t.Fatal(err)
	}
	ctx := rpctest.Context(t)
	sess, err := cli.Dial(ctx, s.addr)
	if err != nil {
		t.Fatal(err)
	}
	var held string
	fromClient := sess.AsyncCall(ctx, "/held", struct{}{}, &held)
	<-inServer
	var ss *rpc.Session
	rpctest.WaitFor(t, "the server's session", func() bool {
		s.ep.RangeSessions(func(x *rpc.Session) bool { ss = x; return false })
		return ss != nil
	})
	var slow string
	fromServer := ss.AsyncCall(ctx, "/client/slow", struct{}{}, &slow)
	<-inClient

	shutdown := make(chan error, 1)
	go func() { shutdown <- cli.Shutdown(ctx) }()
	rpctest.WaitFor(t, "the server to take the client's go-away", func() bool { return !ss.Health() })
	if err := ss.Call(ctx, "/client/hello", "x", nil); err == nil {
		t.Error("the server called the client after its go-away")
	}
	close(releaseClient)
	if err := fromServer.Err(); err != nil || slow != "client-slow" {
		t.Fatalf("the server's call to the client: %q, %v", slow, err)
	}
	close(releaseServer)
	if err := fromClient.Err(); err != nil || held != "held" {
		t.Fatalf("the client's call: %q, %v", held, err)
	}
	if err := <-shutdown; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}
