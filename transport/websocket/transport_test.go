package websocket

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/transport"
)

// ioTimeout bounds every read and write of the tests, so that a bug hangs
// nothing. It is generous: the machines running the tests are shared.
const ioTimeout = 20 * time.Second

// listen listens with tr on loopback; the listener is closed when the test
// ends.
func listen(t *testing.T, tr Transport, network, addr string) net.Listener {
	t.Helper()
	ln, err := tr.Listen(context.Background(), network, addr)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// serveEcho accepts connections on ln until it is closed and writes back
// what each one sends. The cleanup closes ln, then the connections, and
// waits for every goroutine.
func serveEcho(t *testing.T, ln net.Listener) {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.SetDeadline(time.Now().Add(ioTimeout))
				io.Copy(c, c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
}

// dial dials addr with tr; the conn is closed when the test ends.
func dial(t *testing.T, tr Transport, network, addr string) net.Conn {
	t.Helper()
	c, err := tr.Dial(context.Background(), network, addr)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip writes msg to c and reads it back.
func roundTrip(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatalf("write: %v", err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read: %v", err)
	}
	if string(got) != msg {
		t.Fatalf("read %q, want %q", got, msg)
	}
	c.SetDeadline(time.Time{})
}

// rawDial opens a WebSocket to url with coder/websocket itself, offering
// the dmicro subprotocol, for tests that look at messages and close codes.
func rawDial(t *testing.T, url string, header http.Header) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.Dial(rpctest.Context(t), url, &websocket.DialOptions{
		Subprotocols: []string{Subprotocol},
		HTTPHeader:   header,
	})
	if err != nil {
		t.Fatalf("raw dial %s: %v", url, err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return ws
}

func TestEcho(t *testing.T) {
	leakcheck.Check(t)
	cert := rpctest.Cert()
	tests := []struct {
		name          string
		network, addr string
		server        Config
		client        Config
	}{
		{"ws", "tcp", "127.0.0.1:0", Config{}, Config{}},
		{"wss", "tcp", "127.0.0.1:0", Config{TLS: cert.ServerConfig()}, Config{TLS: cert.ClientConfig()}},
		{"tcp4 and a path", "tcp4", "127.0.0.1:0", Config{Path: "/a/b"}, Config{Path: "/a/b"}},
		{"tcp6", "tcp6", "[::1]:0", Config{}, Config{}},
		{"wss tcp6", "tcp6", "[::1]:0", Config{TLS: cert.ServerConfig()}, Config{TLS: cert.ClientConfig()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.network == "tcp6" {
				needIPv6(t)
			}
			ln := listen(t, Transport{Config: tt.server}, tt.network, tt.addr)
			serveEcho(t, ln)
			c := dial(t, Transport{Config: tt.client}, tt.network, ln.Addr().String())
			roundTrip(t, c, "hello over "+tt.name)
			roundTrip(t, c, strings.Repeat("x", 100<<10))
			if got, want := c.RemoteAddr().String(), ln.Addr().String(); got != want {
				t.Errorf("RemoteAddr %s, want the listener's %s", got, want)
			}
			if _, ok := c.LocalAddr().(*net.TCPAddr); !ok {
				t.Errorf("LocalAddr is a %T, want *net.TCPAddr", c.LocalAddr())
			}
		})
	}
}

func needIPv6(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ln.Close()
}

func TestUnsupportedNetwork(t *testing.T) {
	ctx := context.Background()
	for _, network := range []string{"udp", "unix", "ip", ""} {
		t.Run(network, func(t *testing.T) {
			ln, err := Transport{}.Listen(ctx, network, "127.0.0.1:0")
			if err == nil {
				ln.Close()
			}
			checkUnsupported(t, "Listen", err)
			c, err := Transport{}.Dial(ctx, network, "127.0.0.1:1")
			if err == nil {
				c.Close()
			}
			checkUnsupported(t, "Dial", err)
		})
	}
}

func checkUnsupported(t *testing.T, op string, err error) {
	t.Helper()
	if !errors.Is(err, transport.ErrUnsupportedNetwork) {
		t.Errorf("%s: error %v, want one wrapping transport.ErrUnsupportedNetwork", op, err)
	}
}

func TestDialContextDone(t *testing.T) {
	leakcheck.Check(t)
	ln := listen(t, Transport{}, "tcp", "127.0.0.1:0")
	serveEcho(t, ln)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	tests := []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"cancelled", cancelled, context.Canceled},
		{"deadline passed", expired, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Transport{}.Dial(tt.ctx, "tcp", ln.Addr().String())
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded with a done context")
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("error %v, want one wrapping %v", err, tt.want)
			}
		})
	}
}

// TestDialContextBoundsHandshakeOnly: the conn outlives the context of its
// Dial, as the Transport contract says.
func TestDialContextBoundsHandshakeOnly(t *testing.T) {
	leakcheck.Check(t)
	for _, tt := range []struct {
		name           string
		server, client Config
	}{
		{"ws", Config{}, Config{}},
		{"wss", Config{TLS: rpctest.Cert().ServerConfig()}, Config{TLS: rpctest.Cert().ClientConfig()}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln := listen(t, Transport{Config: tt.server}, "tcp", "127.0.0.1:0")
			serveEcho(t, ln)
			ctx, cancel := context.WithCancel(context.Background())
			c, err := Transport{Config: tt.client}.Dial(ctx, "tcp", ln.Addr().String())
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			roundTrip(t, c, "after the dial's context ended")
		})
	}
}

func TestDialFails(t *testing.T) {
	leakcheck.Check(t)
	other, err := transport.NewSelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	// A WebSocket server that is not dmicro's: it chooses no subprotocol.
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err == nil {
			ws.CloseNow()
		}
	}))
	defer foreign.Close()
	wss := listen(t, Transport{Config: Config{TLS: rpctest.Cert().ServerConfig()}}, "tcp", "127.0.0.1:0")
	serveEcho(t, wss)
	ws := listen(t, Transport{}, "tcp", "127.0.0.1:0")
	serveEcho(t, ws)
	refused := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}()

	tests := []struct {
		name   string
		client Config
		addr   string
		check  func(error) bool
	}{
		{"untrusted certificate", Config{TLS: other.ClientConfig()}, wss.Addr().String(), func(err error) bool {
			var verr *tls.CertificateVerificationError
			return errors.As(err, &verr)
		}},
		{"wss to ws", Config{TLS: rpctest.Cert().ClientConfig()}, ws.Addr().String(), func(err error) bool { return true }},
		{"wrong path", Config{Path: "/other"}, ws.Addr().String(), func(err error) bool {
			return strings.Contains(err.Error(), "404")
		}},
		{"not a dmicro server", Config{}, strings.TrimPrefix(foreign.URL, "http://"), func(err error) bool {
			return errors.Is(err, ErrSubprotocol)
		}},
		{"nobody listens", Config{}, refused, func(err error) bool { return true }},
		{"bad config", Config{Path: "no-slash"}, ws.Addr().String(), func(err error) bool {
			return errors.Is(err, ErrConfig)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Transport{Config: tt.client}.Dial(rpctest.Context(t), "tcp", tt.addr)
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded")
			}
			if !strings.HasPrefix(err.Error(), "transport/websocket: ") {
				t.Errorf("error %q does not start with the package's prefix", err)
			}
			if !tt.check(err) {
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
}

// TestDialHeader: Config.Header goes with the upgrade request.
func TestDialHeader(t *testing.T) {
	leakcheck.Check(t)
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Authorization")
		c, err := Upgrade(w, r, Config{})
		if err == nil {
			c.Close()
		}
	}))
	defer srv.Close()
	cfg := Config{Header: http.Header{"Authorization": {"Bearer t0ken"}}}
	c, err := Transport{Config: cfg}.Dial(rpctest.Context(t), "tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if h := <-got; h != "Bearer t0ken" {
		t.Errorf("the server got Authorization %q", h)
	}
}
