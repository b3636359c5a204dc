package quic

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	quicgo "github.com/quic-go/quic-go"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// TestAcceptDoesNotWaitForStream: a client that completes the QUIC
// handshake but opens no stream does not hold up Accept; HandshakeContext
// waits for the stream under its context.
func TestAcceptDoesNotWaitForStream(t *testing.T) {
	leakcheck.Check(t)
	cert := newSelfSigned(t)
	server := New(testConfig(cert.ServerConfig()))
	ln := listen(t, server, "udp")
	qc := rawDial(t, ln.Addr().String(), cert.ClientConfig(), NextProto)
	_ = qc // silent: no stream

	c, err := ln.Accept()
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err = c.(*Conn).HandshakeContext(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("HandshakeContext: %v, want context.DeadlineExceeded", err)
	}
	// The failure is final.
	if err2 := c.(*Conn).HandshakeContext(context.Background()); err2 == nil {
		t.Error("a second HandshakeContext succeeded after a failed one")
	}
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("Read succeeded after a failed handshake")
	}
}

// TestLazyHandshakeOnRead: without HandshakeContext, the first Read accepts
// the stream (here under its deadline, which passes).
func TestLazyHandshakeOnRead(t *testing.T) {
	leakcheck.Check(t)
	server, client := pair(t)
	ln := listen(t, server, "udp")
	c := dial(t, client, "udp", ln.Addr().String())
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c.Write([]byte("ping"))
	s.SetDeadline(time.Now().Add(ioTimeout))
	buf := make([]byte, 4)
	if _, err := s.Read(buf); err != nil || string(buf) != "ping" {
		t.Fatalf("first Read: %q, %v", buf, err)
	}
	if _, err := s.Write([]byte("pong")); err != nil {
		t.Fatalf("Write: %v", err)
	}
	c.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := c.Read(buf); err != nil || string(buf) != "pong" {
		t.Fatalf("client Read: %q, %v", buf, err)
	}
}

// TestCloseBeforeStream: an accepted connection closed before the client's
// stream arrived ends its HandshakeContext and frees the socket.
func TestCloseBeforeStream(t *testing.T) {
	leakcheck.Check(t)
	cert := newSelfSigned(t)
	ln := listen(t, New(testConfig(cert.ServerConfig())), "udp")
	addr := ln.Addr().String()
	rawDial(t, addr, cert.ClientConfig(), NextProto)
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- c.(*Conn).HandshakeContext(context.Background()) }()
	c.Close()
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		t.Errorf("HandshakeContext: %v, want net.ErrClosed", err)
	}
	ln.Close()
	rpctest.WaitFor(t, "the socket to close", func() bool { return portFree(addr) })
}

func TestBadPreface(t *testing.T) {
	leakcheck.Check(t)
	cert := newSelfSigned(t)
	ln := listen(t, New(testConfig(cert.ServerConfig())), "udp")
	for _, tt := range []struct{ name, send string }{
		{"wrong bytes", "GET / HTTP/1.1\r\n\r\n"},
		{"short then FIN", "dmicro"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			qc := rawDial(t, ln.Addr().String(), cert.ClientConfig(), NextProto)
			st, err := qc.OpenStream()
			if err != nil {
				t.Fatal(err)
			}
			st.Write([]byte(tt.send))
			if len(tt.send) < len(preface) {
				st.Close()
			}
			c, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
			defer cancel()
			err = c.(*Conn).HandshakeContext(ctx)
			if !errors.Is(err, ErrBadPreface) {
				t.Fatalf("HandshakeContext: %v, want ErrBadPreface", err)
			}
			// The client learns why.
			st.SetReadDeadline(time.Now().Add(ioTimeout))
			_, err = st.Read(make([]byte, 1))
			var aerr *quicgo.ApplicationError
			if !errors.As(err, &aerr) || !aerr.Remote || aerr.ErrorCode != codeBadPreface {
				t.Errorf("client Read: %v, want the server's application error %d", err, codeBadPreface)
			}
		})
	}
}
