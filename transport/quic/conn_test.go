package quic

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	quicgo "github.com/quic-go/quic-go"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
)

func TestEcho(t *testing.T) {
	leakcheck.Check(t)
	for _, network := range []string{"udp", "udp4", "udp6"} {
		t.Run(network, func(t *testing.T) {
			if network == "udp6" {
				needIPv6(t)
			}
			server, client := pair(t)
			ln := listen(t, server, network)
			serveEcho(t, ln)
			c := dial(t, client, network, ln.Addr().String())
			roundTrip(t, c, "hello over "+network)
			roundTrip(t, c, "and again")
			st := c.(*Conn).ConnectionState()
			if st.Version != tls.VersionTLS13 || st.NegotiatedProtocol != NextProto {
				t.Errorf("TLS version %#x, protocol %q; want TLS 1.3 and %q", st.Version, st.NegotiatedProtocol, NextProto)
			}
			if c.LocalAddr() == nil || c.RemoteAddr().String() != ln.Addr().String() {
				t.Errorf("addresses %v -> %v, want the remote to be %v", c.LocalAddr(), c.RemoteAddr(), ln.Addr())
			}
		})
	}
}

// TestLargeWrites sends several MiB each way at once: the client writes
// while it reads the echo.
func TestLargeWrites(t *testing.T) {
	leakcheck.Check(t)
	server, client := pair(t)
	ln := listen(t, server, "udp")
	serveEcho(t, ln)
	c := dial(t, client, "udp", ln.Addr().String())
	c.SetDeadline(time.Now().Add(ioTimeout))

	data := make([]byte, 8<<20)
	rand.Read(data)
	werr := make(chan error, 1)
	go func() {
		// Writes of mixed sizes, as a writer that coalesces frames makes.
		rest := data
		for i := 0; len(rest) > 0; i++ {
			n := min(len(rest), 1+(i*7919)%(256<<10))
			if _, err := c.Write(rest[:n]); err != nil {
				werr <- err
				return
			}
			rest = rest[n:]
		}
		werr <- nil
	}()
	got := make([]byte, len(data))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read the echo: %v", err)
	}
	if err := <-werr; err != nil {
		t.Fatalf("write: %v", err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("the echo differs from what was sent")
	}
}

func TestConcurrentConns(t *testing.T) {
	leakcheck.Check(t)
	server, client := pair(t)
	ln := listen(t, server, "udp")
	serveEcho(t, ln)
	const conns, rounds = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i := range conns {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
			defer cancel()
			c, err := client.Dial(ctx, "udp", ln.Addr().String())
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(ioTimeout))
			buf := make([]byte, 64)
			for r := range rounds {
				msg := fmt.Appendf(nil, "conn %d round %d", i, r)
				if _, err := c.Write(msg); err != nil {
					errs <- err
					return
				}
				if _, err := io.ReadFull(c, buf[:len(msg)]); err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(buf[:len(msg)], msg) {
					errs <- fmt.Errorf("conn %d: echo %q, want %q", i, buf[:len(msg)], msg)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestDeadlines(t *testing.T) {
	leakcheck.Check(t)
	server, client := pair(t)
	ln := listen(t, server, "udp")
	// The server reads nothing and writes nothing until the test ends.
	quiet := make(chan struct{})
	serve(t, ln, func(net.Conn) { <-quiet })
	t.Cleanup(func() { close(quiet) }) // before serve's cleanup waits
	c := dial(t, client, "udp", ln.Addr().String())

	isTimeout := func(t *testing.T, op string, err error) {
		t.Helper()
		var ne net.Error
		if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("%s: error %v, want a timeout wrapping os.ErrDeadlineExceeded", op, err)
		}
	}
	t.Run("read", func(t *testing.T) {
		c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		isTimeout(t, "Read", err)
		// A deadline in the past fails at once; clearing it allows reads again.
		c.SetReadDeadline(time.Now().Add(-time.Second))
		_, err = c.Read(make([]byte, 1))
		isTimeout(t, "Read past deadline", err)
	})
	t.Run("read deadline moved while blocked", func(t *testing.T) {
		c.SetReadDeadline(time.Time{})
		errc := make(chan error, 1)
		go func() {
			_, err := c.Read(make([]byte, 1))
			errc <- err
		}()
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		isTimeout(t, "blocked Read", <-errc)
	})
	t.Run("write", func(t *testing.T) {
		// The peer reads nothing: flow control stops the writes, and the
		// deadline ends the one that blocks. (The stream's window is at
		// most 6 MiB, and does not grow while the peer does not read.)
		c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		chunk := make([]byte, 1<<20)
		var err error
		for i := 0; i < 64 && err == nil; i++ {
			_, err = c.Write(chunk)
		}
		isTimeout(t, "Write", err)
	})
}

// TestPeerVanished: a server that disappears without a CONNECTION_CLOSE
// (its QUIC transport torn down, as a killed process's would be) is
// noticed after MaxIdleTimeout: Read and Write fail with an error that
// wraps quic-go's IdleTimeoutError, that is not a timeout, and that does
// not say this side closed the connection.
func TestPeerVanished(t *testing.T) {
	leakcheck.Check(t)
	cert := newSelfSigned(t)
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	qt := &quicgo.Transport{Conn: udp}
	defer qt.Close()
	srvTLS := cert.ServerConfig()
	srvTLS.NextProtos = []string{NextProto}
	ql, err := qt.Listen(srvTLS, &quicgo.Config{MaxIdleTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer ql.Close()

	cfg := testConfig(cert.ClientConfig())
	cfg.MaxIdleTimeout = 500 * time.Millisecond
	cfg.KeepAlivePeriod = 100 * time.Millisecond
	c := dial(t, New(cfg), "udp", udp.LocalAddr().String())

	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	qc, err := ql.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := qc.AcceptStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(st, make([]byte, len(preface))); err != nil {
		t.Fatal(err)
	}
	qt.Close() // gone, without a word

	c.SetReadDeadline(time.Now().Add(ioTimeout))
	_, err = c.Read(make([]byte, 1))
	var idle *quicgo.IdleTimeoutError
	if !errors.As(err, &idle) {
		t.Fatalf("Read: %v, want an error wrapping quic-go's IdleTimeoutError", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || ne.Timeout() {
		t.Errorf("Read: %v is a timeout; a lost connection is not", err)
	}
	if errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) {
		t.Errorf("Read: %v says the connection was closed; it was lost", err)
	}
	if _, err := c.Write([]byte("x")); !errors.As(err, &idle) {
		t.Errorf("Write: %v, want an error wrapping quic-go's IdleTimeoutError", err)
	}
	// Close after the loss ends promptly (leakcheck waits for it).
	c.Close()
}
