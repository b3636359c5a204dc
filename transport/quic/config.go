package quic

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	quicgo "github.com/quic-go/quic-go"

	"github.com/dmicro-go/dmicro/transport"
)

// NextProto is the ALPN protocol name both sides offer when the TLS
// configuration names none.
const NextProto = "dmicro"

// Defaults of the Config knobs left zero.
const (
	// DefaultKeepAlivePeriod is how often an idle connection sends a
	// packet, so that the peer's idle timer does not fire while both sides
	// live.
	DefaultKeepAlivePeriod = 5 * time.Second
	// DefaultMaxIdleTimeout is how long a connection lives without a packet
	// from the peer: a peer that vanished (killed, unplugged) without a
	// CONNECTION_CLOSE is noticed after about this long.
	DefaultMaxIdleTimeout = 15 * time.Second
	// DefaultHandshakeIdleTimeout bounds a handshake with a silent peer.
	DefaultHandshakeIdleTimeout = 5 * time.Second
	// DefaultLinger bounds how long a closed connection waits for the peer
	// to close its side before the QUIC connection is closed.
	DefaultLinger = 3 * time.Second
)

// Config configures a [Transport]. Only TLS is required; each zero knob
// means its default. Listen and Dial read the Config given to [New] and
// clone TLS, so neither is modified.
type Config struct {
	// TLS is the TLS configuration; it is required. For Listen it must have
	// a certificate (Certificates, GetCertificate or GetConfigForClient);
	// for Dial it must trust the server (RootCAs, or the system roots), and
	// an empty ServerName defaults to the host of the address. QUIC always
	// runs TLS 1.3, whatever MinVersion says. Empty NextProtos means
	// []string{NextProto} ("dmicro"); both sides must share one protocol or
	// the handshake fails.
	TLS *tls.Config

	// KeepAlivePeriod is how often a connection with nothing to send sends
	// a PING, on both sides. Zero means DefaultKeepAlivePeriod (5 s); a
	// negative value turns keep-alives off. quic-go sends them at least
	// every half of the idle timeout.
	KeepAlivePeriod time.Duration
	// MaxIdleTimeout closes a connection that received no packet for that
	// long; the two peers' values are negotiated down to the smaller. With
	// keep-alives on, only a peer that is gone stays silent that long. Zero
	// means DefaultMaxIdleTimeout (15 s).
	MaxIdleTimeout time.Duration
	// HandshakeIdleTimeout aborts a handshake when the peer sends nothing
	// for that long, and any handshake that takes twice as long. It bounds
	// Dial within its context, and the handshakes a listener runs. Zero
	// means DefaultHandshakeIdleTimeout (5 s).
	HandshakeIdleTimeout time.Duration
	// Linger bounds how long a closed Conn waits, in the background, for
	// the peer to close its side before it closes the QUIC connection; see
	// [Conn.Close]. Zero means DefaultLinger (3 s).
	Linger time.Duration

	// Allow0RTT lets a client that resumes a TLS session send its first
	// bytes in 0-RTT data, and a listener accept them, which saves a round
	// trip per connection. It is off by default, and should stay off unless
	// every call is safe to repeat: 0-RTT data can be replayed by an
	// attacker. Both sides must set it. With it, Listen returns connections
	// before their handshake completes, and Dial returns once 0-RTT keys are
	// ready; if the server rejects the 0-RTT data, the bytes written so far
	// are sent again, in 1-RTT, on a new stream. Beware that quic-go v0.65
	// has a known data race when a client opens a stream in 0-RTT
	// (https://github.com/quic-go/quic-go/issues/4303), which the race
	// detector reports.
	Allow0RTT bool

	// Logger receives the transport's few logs (a linger that ran out, a
	// connection refused because its listener closed). Nil means no logs.
	Logger *slog.Logger

	// Binder, when set, opens the UDP socket of Listen (with its
	// ListenPacket method), for example a socket inherited from the process
	// that ran before a hot restart. A *net.UDPConn lets quic-go use the
	// socket's batch and ECN features; any other net.PacketConn works
	// without them. The socket is owned by the Transport, shared by the
	// listener and the connections it accepted, and closed once they are all
	// closed; see [transport.Binder]. Nil means a fresh socket. Dial ignores
	// it.
	Binder transport.Binder
}

// Validate reports whether c can be used to Dial: TLS is set and no
// duration is negative except KeepAlivePeriod. Listen further needs a
// certificate.
func (c *Config) Validate() error {
	if c.TLS == nil {
		return errNoTLS
	}
	var errs []error
	check := func(d time.Duration, name string) {
		if d < 0 {
			errs = append(errs, fmt.Errorf("transport/quic: Config.%s %v is negative", name, d))
		}
	}
	check(c.MaxIdleTimeout, "MaxIdleTimeout")
	check(c.HandshakeIdleTimeout, "HandshakeIdleTimeout")
	check(c.Linger, "Linger")
	return errors.Join(errs...)
}

// validateServer is Validate plus the certificate Listen needs.
func (c *Config) validateServer() error {
	if err := c.Validate(); err != nil {
		return err
	}
	t := c.TLS
	if len(t.Certificates) == 0 && t.GetCertificate == nil && t.GetConfigForClient == nil {
		return errNoCertificate
	}
	return nil
}

// orDefault returns d, or def if d is zero.
func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func (c *Config) linger() time.Duration { return orDefault(c.Linger, DefaultLinger) }

func (c *Config) handshakeIdleTimeout() time.Duration {
	return orDefault(c.HandshakeIdleTimeout, DefaultHandshakeIdleTimeout)
}

// quicConfig returns the quic-go configuration of one side. A dmicro
// connection carries one bidirectional stream, opened by the client: the
// server lets the client open one and never gives the credit back, the
// client lets the server open none, and nobody opens unidirectional ones.
func (c *Config) quicConfig(server bool) *quicgo.Config {
	keepAlive := orDefault(c.KeepAlivePeriod, DefaultKeepAlivePeriod)
	if keepAlive < 0 {
		keepAlive = 0
	}
	qc := &quicgo.Config{
		HandshakeIdleTimeout:  c.handshakeIdleTimeout(),
		MaxIdleTimeout:        orDefault(c.MaxIdleTimeout, DefaultMaxIdleTimeout),
		KeepAlivePeriod:       keepAlive,
		MaxIncomingStreams:    -1,
		MaxIncomingUniStreams: -1,
	}
	if server {
		qc.MaxIncomingStreams = 1
		qc.RequireStreamCreditRelease = true
		qc.Allow0RTT = c.Allow0RTT
	}
	return qc
}

// serverTLS returns a clone of the TLS configuration for a listener.
func (c *Config) serverTLS() *tls.Config {
	cfg := c.TLS.Clone()
	if len(cfg.NextProtos) == 0 {
		cfg.NextProtos = []string{NextProto}
	}
	cfg.MinVersion = tls.VersionTLS13
	return cfg
}

// clientTLS returns a clone of the TLS configuration for a dial of addr,
// with ServerName defaulted to the host of addr and the session cache
// defaulted to cache.
func (c *Config) clientTLS(addr string, cache tls.ClientSessionCache) *tls.Config {
	cfg := c.TLS.Clone()
	if cfg.ServerName == "" {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			// An IPv6 zone is no part of the name the certificate holds.
			if i := strings.IndexByte(host, '%'); i >= 0 && strings.Contains(host, ":") {
				host = host[:i]
			}
			cfg.ServerName = host
		}
	}
	if len(cfg.NextProtos) == 0 {
		cfg.NextProtos = []string{NextProto}
	}
	cfg.MinVersion = tls.VersionTLS13
	if cfg.ClientSessionCache == nil {
		cfg.ClientSessionCache = cache
	}
	return cfg
}
