package transport

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"time"
)

// DefaultHandshakeTimeout bounds the TLS handshake of Dial when
// TLS.HandshakeTimeout is zero.
const DefaultHandshakeTimeout = 10 * time.Second

// TLS is the Transport of TLS over any stream transport. Its fields must not
// change once it is in use; then it is safe for concurrent use. Config is
// cloned on every Listen and Dial and never modified.
type TLS struct {
	// Inner carries the TLS records. Nil means Net{}. To listen on sockets
	// that a [Binder] opens, such as inherited ones, set Inner to
	// Net{Binder: b}.
	Inner Transport
	// Config is the TLS configuration; it is required. For Listen it must
	// have a certificate: Certificates, GetCertificate or
	// GetConfigForClient. For Dial an empty ServerName defaults to the host
	// of addr (not for "unix": set ServerName there). A zero MinVersion means
	// TLS 1.2 on both sides.
	Config *tls.Config
	// HandshakeTimeout bounds the handshake of Dial, within the deadline of
	// its context. Zero means DefaultHandshakeTimeout. It does not apply to
	// accepted connections, whose handshake the caller runs.
	HandshakeTimeout time.Duration
}

var _ Transport = TLS{}

func (t TLS) inner() Transport {
	if t.Inner == nil {
		return Net{}
	}
	return t.Inner
}

// Listen announces on addr over Inner and returns a listener whose Accept
// yields *tls.Conn. Accept does not handshake: the handshake happens on the
// first Read or Write, or when the caller calls HandshakeContext, which a
// server should do in the connection's own goroutine with a deadline, so
// that one slow client never holds up Accept.
func (t TLS) Listen(ctx context.Context, network, addr string) (net.Listener, error) {
	if t.Config == nil {
		return nil, errNoConfig
	}
	if len(t.Config.Certificates) == 0 && t.Config.GetCertificate == nil && t.Config.GetConfigForClient == nil {
		return nil, errNoCertificate
	}
	cfg := t.Config.Clone()
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	ln, err := t.inner().Listen(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return tls.NewListener(ln, cfg), nil
}

// Dial connects to addr over Inner and completes the TLS handshake before
// it returns a *tls.Conn. The handshake is bounded by ctx and by
// HandshakeTimeout; if it fails, the connection is closed and the error,
// "transport: tls handshake with ADDR: ...", wraps the cause (such as
// context.DeadlineExceeded or a certificate error).
func (t TLS) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if t.Config == nil {
		return nil, errNoConfig
	}
	cfg := clientConfig(t.Config, network, addr)
	c, err := t.inner().Dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	timeout := t.HandshakeTimeout
	if timeout <= 0 {
		timeout = DefaultHandshakeTimeout
	}
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tc := tls.Client(c, cfg)
	if err := tc.HandshakeContext(hctx); err != nil {
		tc.Close()
		return nil, fmt.Errorf("transport: tls handshake with %s: %w", addr, err)
	}
	return tc, nil
}

// clientConfig returns a clone of cfg for a dial of addr, with ServerName
// defaulted to the host of addr (except for unix sockets) and MinVersion to
// TLS 1.2.
func clientConfig(cfg *tls.Config, network, addr string) *tls.Config {
	cfg = cfg.Clone()
	if cfg.ServerName == "" && network != "unix" {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			// An IPv6 zone is no part of the name the certificate holds.
			if i := strings.IndexByte(host, '%'); i >= 0 && strings.Contains(host, ":") {
				host = host[:i]
			}
			cfg.ServerName = host
		}
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}
