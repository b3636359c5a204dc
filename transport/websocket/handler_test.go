package websocket

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// newEndpoint makes an rpc endpoint with cfg that serves rpctest.Math
// ("/math/add"); it is closed when the test ends.
func newEndpoint(t *testing.T, cfg rpc.Config) *rpc.Endpoint {
	t.Helper()
	ep, err := rpc.NewEndpoint(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ep.Router().RouteCall(new(rpctest.Math)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	return ep
}

// serve runs ep.Serve(l) until the test ends.
func serve(t *testing.T, ep *rpc.Endpoint, l net.Listener) {
	t.Helper()
	served := make(chan struct{})
	go func() {
		defer close(served)
		ep.Serve(l)
	}()
	t.Cleanup(func() {
		ep.Close()
		<-served
	})
}

// add calls /math/add on addr through a new client endpoint with tr.
func add(t *testing.T, tr Transport, addr string) (int, error) {
	t.Helper()
	cli := newEndpoint(t, rpc.Config{Transport: tr})
	sess, err := cli.Dial(rpctest.Context(t), addr)
	if err != nil {
		return 0, err
	}
	var sum int
	err = sess.Call(rpctest.Context(t), "/math/add", []int{1, 2, 3}, &sum)
	return sum, err
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestHandlerInServeMux: a Handler mounted next to a plain route of an
// existing HTTP server serves an rpc endpoint; once the endpoint closes it,
// upgrades are refused with 503 and the other route still works.
func TestHandlerInServeMux(t *testing.T) {
	leakcheck.Check(t)
	h, err := NewHandler(Config{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })
	mux.Handle("/rpc", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ep := newEndpoint(t, rpc.Config{})
	serve(t, ep, h)

	addr := srv.Listener.Addr().String()
	client := Transport{Config: Config{Path: "/rpc"}}
	if sum, err := add(t, client, addr); err != nil || sum != 6 {
		t.Fatalf("/math/add over the mounted Handler: %d, %v", sum, err)
	}
	if code, body := get(t, srv.URL+"/hello"); code != 200 || body != "hello" {
		t.Errorf("GET /hello: %d %q", code, body)
	}
	if code, _ := get(t, srv.URL+"/rpc"); code != http.StatusUpgradeRequired {
		t.Errorf("GET /rpc without an upgrade: %d, want 426", code)
	}

	ep.Close() // closes the Handler, its listener
	if _, err := add(t, client, addr); err == nil {
		t.Error("a dial after the endpoint closed the Handler succeeded")
	}
	if code, _ := get(t, srv.URL+"/rpc"); code != http.StatusServiceUnavailable {
		t.Errorf("GET /rpc after Close: %d, want 503", code)
	}
	if _, err := h.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: %v, want an error wrapping net.ErrClosed", err)
	}
	if code, body := get(t, srv.URL+"/hello"); code != 200 || body != "hello" {
		t.Errorf("GET /hello after Close: %d %q", code, body)
	}
}

// TestOrigin: a browser's Origin must be the server's own or match
// OriginPatterns; requests without one are not checked.
func TestOrigin(t *testing.T) {
	leakcheck.Check(t)
	h, err := NewHandler(Config{OriginPatterns: []string{"*.example.com", "https://app.example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			c, err := h.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	defer func() { h.Close(); <-accepted }()

	host := srv.Listener.Addr().String()
	tests := []struct {
		name   string
		origin string
		ok     bool
	}{
		{"none", "", true},
		{"same origin", "http://" + host, true},
		{"host pattern", "https://www.example.com", true},
		{"scheme and host pattern", "https://app.example.org", true},
		{"other scheme", "http://app.example.org", false},
		{"lookalike", "https://example.com.evil.test", false},
		{"other port", "http://127.0.0.1:1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := http.Header{}
			if tt.origin != "" {
				header.Set("Origin", tt.origin)
			}
			ws, resp, err := websocket.Dial(rpctest.Context(t), "ws://"+host+"/", &websocket.DialOptions{
				Subprotocols: []string{Subprotocol},
				HTTPHeader:   header,
			})
			if err == nil {
				ws.CloseNow()
			}
			if tt.ok && err != nil {
				t.Errorf("refused: %v", err)
			}
			if !tt.ok && (err == nil || resp == nil || resp.StatusCode != http.StatusForbidden) {
				t.Errorf("got %v, want a 403 refusal", err)
			}
		})
	}
}

// TestHandlerNotAccepted: an upgraded connection that no Accept takes
// within HandshakeTimeout is closed with status 1013 (try again later).
func TestHandlerNotAccepted(t *testing.T) {
	leakcheck.Check(t)
	h, err := NewHandler(Config{HandshakeTimeout: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	defer h.Close()
	ws := rawDial(t, "ws://"+srv.Listener.Addr().String()+"/", nil)
	_, _, err = ws.Read(rpctest.Context(t))
	if got := websocket.CloseStatus(err); got != websocket.StatusTryAgainLater {
		t.Errorf("the client read %v, want status 1013", err)
	}
}

// TestHandlerCloseWhileWaiting: closing the Handler closes a connection
// that waits for Accept with status 1001 (going away).
func TestHandlerCloseWhileWaiting(t *testing.T) {
	leakcheck.Check(t)
	h, err := NewHandler(Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	ws := rawDial(t, "ws://"+srv.Listener.Addr().String()+"/", nil)
	read := make(chan error, 1)
	go func() {
		_, _, err := ws.Read(rpctest.Context(t))
		read <- err
	}()
	h.Close()
	if err := <-read; websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Errorf("the client read %v, want status 1001", err)
	}
}

// TestUpgradeServeConn: a handler of one's own upgrades with Upgrade and
// serves the connection with the endpoint's ServeConn.
func TestUpgradeServeConn(t *testing.T) {
	leakcheck.Check(t)
	ep := newEndpoint(t, rpc.Config{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nc, err := Upgrade(w, r, Config{})
		if err != nil {
			return
		}
		if _, err := ep.ServeConn(nc); err != nil {
			t.Errorf("ServeConn: %v", err)
		}
	}))
	defer srv.Close()
	if sum, err := add(t, Transport{Config: Config{Path: "/anywhere"}}, srv.Listener.Addr().String()); err != nil || sum != 6 {
		t.Fatalf("/math/add over Upgrade and ServeConn: %d, %v", sum, err)
	}
}

// TestHandlerServerTimeouts: the ReadTimeout and WriteTimeout of the HTTP
// server that serves the Handler do not end its WebSocket connections.
func TestHandlerServerTimeouts(t *testing.T) {
	leakcheck.Check(t)
	h, err := NewHandler(Config{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const timeout = 20 * time.Millisecond
	srv := &http.Server{Handler: h, ReadTimeout: timeout, WriteTimeout: timeout}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ln)
	}()
	defer func() { srv.Close(); <-served }()
	serveEcho(t, h)

	c := dial(t, Transport{}, "tcp", ln.Addr().String())
	roundTrip(t, c, "before")
	past := time.Now().Add(5 * timeout)
	rpctest.WaitFor(t, "the server's timeouts to pass", func() bool { return time.Now().After(past) })
	roundTrip(t, c, "after the server's timeouts")
}
