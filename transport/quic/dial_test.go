package quic

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	quicgo "github.com/quic-go/quic-go"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
)

// rawDial dials addr with quic-go itself, offering ALPN proto, and closes
// the connection when the test ends.
func rawDial(t *testing.T, addr string, tlsConf *tls.Config, proto string) *quicgo.Conn {
	t.Helper()
	tlsConf = tlsConf.Clone()
	tlsConf.NextProtos = []string{proto}
	if tlsConf.ServerName == "" {
		tlsConf.ServerName = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	qc, err := quicgo.DialAddr(ctx, addr, tlsConf, &quicgo.Config{MaxIdleTimeout: 2 * time.Second})
	if err != nil {
		t.Fatalf("quic-go DialAddr: %v", err)
	}
	t.Cleanup(func() { qc.CloseWithError(0, "") })
	return qc
}

// silentAddr returns the address of a UDP socket that reads nothing and
// answers nothing, closed when the test ends.
func silentAddr(t *testing.T) string {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.LocalAddr().String()
}

func TestDialWrongALPN(t *testing.T) {
	leakcheck.Check(t)
	cert := newSelfSigned(t)
	srvTLS := cert.ServerConfig()
	srvTLS.NextProtos = []string{"h3"}
	ln := listen(t, New(testConfig(srvTLS)), "udp")
	serveEcho(t, ln)

	c, err := New(testConfig(cert.ClientConfig())).Dial(context.Background(), "udp", ln.Addr().String())
	if err == nil {
		c.Close()
		t.Fatal("Dial succeeded with no common ALPN protocol")
	}
	var terr *quicgo.TransportError
	if !errors.As(err, &terr) || terr.ErrorCode != noApplicationProtocol {
		t.Errorf("error %v, want a quic-go TransportError for no_application_protocol", err)
	}
	if want := "transport/quic: dial " + ln.Addr().String() + ": the server speaks none of the ALPN protocols"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want it to start with %q", err, want)
	}
}

func TestDialUntrustedCertificate(t *testing.T) {
	leakcheck.Check(t)
	cert, other := newSelfSigned(t), newSelfSigned(t)
	ln := listen(t, New(testConfig(cert.ServerConfig())), "udp")
	serveEcho(t, ln)

	c, err := New(testConfig(other.ClientConfig())).Dial(context.Background(), "udp", ln.Addr().String())
	if err == nil {
		c.Close()
		t.Fatal("Dial succeeded with an untrusted certificate")
	}
	var verr *tls.CertificateVerificationError
	if !errors.As(err, &verr) {
		t.Errorf("error %v does not wrap a certificate verification error", err)
	}
	if !strings.Contains(err.Error(), "certificate is not trusted") {
		t.Errorf("error %q does not say the certificate is not trusted", err)
	}
}

// TestDialNobodyListens: a dial to a port where nobody answers ends by the
// context's deadline, by HandshakeIdleTimeout, or at once for a done
// context, with an error that says so.
func TestDialNobodyListens(t *testing.T) {
	leakcheck.Check(t)
	cert := newSelfSigned(t)
	addr := silentAddr(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name       string
		ctxTimeout time.Duration // 0: no deadline
		ctx        context.Context
		hsTimeout  time.Duration
		want       func(error) bool
		wantText   string
	}{
		{
			name: "context deadline", ctxTimeout: 200 * time.Millisecond, hsTimeout: time.Minute,
			want:     func(err error) bool { return errors.Is(err, context.DeadlineExceeded) },
			wantText: "is a server listening",
		},
		{
			name: "HandshakeIdleTimeout", hsTimeout: 200 * time.Millisecond,
			want: func(err error) bool {
				var h *quicgo.HandshakeTimeoutError
				var i *quicgo.IdleTimeoutError
				return errors.As(err, &h) || errors.As(err, &i)
			},
			wantText: "HandshakeIdleTimeout",
		},
		{
			name: "cancelled context", ctx: cancelled, hsTimeout: time.Minute,
			want:     func(err error) bool { return errors.Is(err, context.Canceled) },
			wantText: "context",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			if tt.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctxTimeout)
				defer cancel()
			}
			cfg := testConfig(cert.ClientConfig())
			cfg.HandshakeIdleTimeout = tt.hsTimeout
			c, err := New(cfg).Dial(ctx, "udp", addr)
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded with nobody listening")
			}
			if !tt.want(err) || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q, want one about %q wrapping the cause", err, tt.wantText)
			}
			if !strings.HasPrefix(err.Error(), "transport/quic: dial "+addr+": ") {
				t.Errorf("error %q does not start with the operation and address", err)
			}
		})
	}
}

func TestDialResolvesNames(t *testing.T) {
	leakcheck.Check(t)
	server, client := pair(t)
	ln := listen(t, server, "udp4")
	serveEcho(t, ln)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	// "localhost" is in the certificate, and names the server.
	c := dial(t, client, "udp4", net.JoinHostPort("localhost", port))
	roundTrip(t, c, "by name")

	for _, addr := range []string{"127.0.0.1", "127.0.0.1:notaport", "[::1]:" + port} {
		c, err := client.Dial(context.Background(), "udp4", addr)
		if err == nil {
			c.Close()
			t.Errorf("Dial %q on udp4 succeeded", addr)
		} else if !strings.HasPrefix(err.Error(), "transport/quic: ") {
			t.Errorf("Dial %q: error %q does not start with \"transport/quic: \"", addr, err)
		}
	}
}
