package quic

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/transport"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// ioTimeout bounds every read, write and wait of the tests, so that a bug
// hangs nothing. It is generous: the machines running the tests are shared.
const ioTimeout = 20 * time.Second

// testConfig returns a Config with tlsConf and short keep-alive, idle and
// handshake timeouts, as the tests want a dead peer noticed quickly.
func testConfig(tlsConf *tls.Config) Config {
	return Config{
		TLS:                  tlsConf,
		KeepAlivePeriod:      200 * time.Millisecond,
		MaxIdleTimeout:       2 * time.Second,
		HandshakeIdleTimeout: time.Second,
	}
}

// newSelfSigned makes a certificate for localhost, 127.0.0.1 and ::1.
func newSelfSigned(t *testing.T) *transport.SelfSigned {
	t.Helper()
	s, err := transport.NewSelfSigned()
	if err != nil {
		t.Fatalf("NewSelfSigned: %v", err)
	}
	return s
}

// pair returns a server and a client Transport that trust each other.
func pair(t *testing.T) (server, client *Transport) {
	t.Helper()
	cert := newSelfSigned(t)
	return New(testConfig(cert.ServerConfig())), New(testConfig(cert.ClientConfig()))
}

// listen listens on loopback with tr and closes the listener when the test
// ends.
func listen(t *testing.T, tr *Transport, network string) net.Listener {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "udp6" {
		addr = "[::1]:0"
	}
	ln, err := tr.Listen(context.Background(), network, addr)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// dial dials addr with tr and closes the conn when the test ends.
func dial(t *testing.T, tr *Transport, network, addr string) net.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	c, err := tr.Dial(ctx, network, addr)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// serve accepts connections on ln until it is closed, and runs handle on
// each in a goroutine of its own after the handshake, as the rpc server
// does; each conn is closed when handle returns. The cleanup closes ln and
// waits for every goroutine.
func serve(t *testing.T, ln net.Listener, handle func(net.Conn)) {
	t.Helper()
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
				defer cancel()
				if err := c.(*Conn).HandshakeContext(ctx); err != nil {
					t.Errorf("HandshakeContext: %v", err)
					return
				}
				c.SetDeadline(time.Now().Add(ioTimeout))
				handle(c)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
}

// echo writes back everything it reads until the peer closes.
func echo(c net.Conn) { io.Copy(c, c) }

// serveEcho serves echo on ln.
func serveEcho(t *testing.T, ln net.Listener) { serve(t, ln, echo) }

// roundTrip sends msg as a line on c and checks that it comes back.
func roundTrip(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(ioTimeout))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, msg+"\n"); err != nil {
		t.Fatalf("write: %v", err)
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if got != msg+"\n" {
		t.Fatalf("echo = %q, want %q", got, msg+"\n")
	}
}

// needIPv6 skips the test when the loopback has no ::1.
func needIPv6(t *testing.T) {
	t.Helper()
	c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("IPv6 loopback ::1 is not available: %v", err)
	}
	c.Close()
}

func TestUnsupportedNetwork(t *testing.T) {
	leakcheck.Check(t)
	server, client := pair(t)
	ctx := context.Background()
	for _, network := range []string{"tcp", "tcp4", "unix", "ip4:icmp", "UDP", ""} {
		t.Run(network, func(t *testing.T) {
			ln, err := server.Listen(ctx, network, "127.0.0.1:0")
			if err == nil {
				ln.Close()
			}
			checkUnsupported(t, "Listen", err)
			c, err := client.Dial(ctx, network, "127.0.0.1:1")
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

// TestWait: Wait returns once every socket of the Transport is closed, and
// not before.
func TestWait(t *testing.T) {
	leakcheck.Check(t)
	server, client := pair(t)
	ln := listen(t, server, "udp")
	serveEcho(t, ln)
	c := dial(t, client, "udp", ln.Addr().String())
	roundTrip(t, c, "before Wait")

	for name, tr := range map[string]*Transport{"server": server, "client": client} {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		if err := tr.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: Wait with a socket open: %v, want context.DeadlineExceeded", name, err)
		}
		cancel()
	}
	c.Close()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	for name, tr := range map[string]*Transport{"server": server, "client": client} {
		if err := tr.Wait(ctx); err != nil {
			t.Errorf("%s: Wait after closing everything: %v", name, err)
		}
	}
	if !portFree(ln.Addr().String()) {
		t.Error("the listener's port is still bound after Wait")
	}
}
