package quic

import (
	"crypto/rand"
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
)

// ticketKeyed gives tlsConf a session ticket key of its own, so that only
// servers with the same configuration can resume its sessions.
func ticketKeyed(t *testing.T, tlsConf *tls.Config) *tls.Config {
	t.Helper()
	var k [32]byte
	rand.Read(k[:])
	tlsConf.SetSessionTicketKeys([][32]byte{k})
	return tlsConf
}

// firstWrite writes msg at once after Dial, before the handshake can have
// completed, then reads the echo.
func firstWrite(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(ioTimeout))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatalf("write: %v", err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read: %v", err)
	}
	if string(got) != msg {
		t.Fatalf("echo %q, want %q", got, msg)
	}
}

func TestZeroRTT(t *testing.T) {
	if raceEnabled {
		t.Skip("quic-go v0.65 has a data race when a client opens a stream in 0-RTT " +
			"(https://github.com/quic-go/quic-go/issues/4303); this test runs without -race")
	}
	leakcheck.Check(t)
	cert := newSelfSigned(t)
	serverCfg := testConfig(ticketKeyed(t, cert.ServerConfig()))
	serverCfg.Allow0RTT = true
	clientCfg := testConfig(cert.ClientConfig())
	clientCfg.Allow0RTT = true
	client := New(clientCfg)

	lnA := listen(t, New(serverCfg), "udp")
	serveEcho(t, lnA)
	// The first connection gets a session ticket; the second uses it.
	first := dial(t, client, "udp", lnA.Addr().String())
	firstWrite(t, first, "full handshake")
	if first.(*Conn).switched != nil {
		t.Error("the first connection tried 0-RTT without a ticket")
	}
	first.Close()

	t.Run("accepted", func(t *testing.T) {
		c := dial(t, client, "udp", lnA.Addr().String())
		firstWrite(t, c, "in 0-RTT data")
		roundTrip(t, c, "and after")
		qc := c.(*Conn).qc
		if !qc.ConnectionState().Used0RTT {
			t.Error("the server did not accept 0-RTT")
		}
	})

	t.Run("rejected", func(t *testing.T) {
		// Another server, with other ticket keys, cannot resume the
		// session, and rejects the 0-RTT data: it is sent again.
		otherCfg := testConfig(ticketKeyed(t, cert.ServerConfig()))
		otherCfg.Allow0RTT = true
		lnB := listen(t, New(otherCfg), "udp")
		serveEcho(t, lnB)
		c := dial(t, client, "udp", lnB.Addr().String())
		attempted := c.(*Conn).switched != nil
		firstWrite(t, c, "sent twice, echoed once")
		roundTrip(t, c, "and after")
		if !attempted {
			t.Fatal("the client did not try 0-RTT with its ticket")
		}
		if c.(*Conn).qc.ConnectionState().Used0RTT {
			t.Error("a server with other ticket keys accepted 0-RTT")
		}
	})

	t.Run("server without 0-RTT", func(t *testing.T) {
		plain := testConfig(cert.ServerConfig())
		ln := listen(t, New(plain), "udp")
		serveEcho(t, ln)
		c := dial(t, client, "udp", ln.Addr().String())
		firstWrite(t, c, "no 0-RTT here")
	})
}
