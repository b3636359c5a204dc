package websocket

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/dmicro-go/dmicro/transport"
)

// Subprotocol is the WebSocket subprotocol that names dmicro's byte stream:
// binary messages that carry the frames of an rpc wire format. Dial offers
// it and requires the server to choose it. The server side (Listen, Handler,
// Upgrade, Upgrader) chooses it when the client offers it, and also accepts
// a client that offers no subprotocol at all, such as a generic WebSocket
// tool: the subprotocol is offered, not enforced.
const Subprotocol = "dmicro"

// Defaults of the Config fields whose zero value means "default".
const (
	// DefaultPath is the HTTP path that Dial requests and that Listen and
	// an Upgrader serve: ws://HOST:PORT/.
	DefaultPath = "/"
	// DefaultMaxMessageSize is the largest WebSocket message accepted, and
	// the largest sent: 4 MiB, the rpc package's default frame limit.
	DefaultMaxMessageSize = 4 << 20
	// DefaultHandshakeTimeout bounds the opening of a connection: the TCP
	// connect, the TLS handshake and the HTTP upgrade.
	DefaultHandshakeTimeout = 10 * time.Second
	// DefaultCloseTimeout bounds how long Close waits for the peer to
	// answer its close frame.
	DefaultCloseTimeout = time.Second
)

// Config sets up a Transport, a Handler or an Upgrader. Its zero value is
// ready to use: ws (no TLS) on path "/", same-origin browsers only,
// messages of at most 4 MiB. A Config must not change once it is in use;
// the Transport, Handler, Upgrader and connections made with it only read
// it.
type Config struct {
	// Path is the path of the WebSocket URL: Dial requests
	// ws://ADDR/PATH (or wss://), and Listen serves the upgrade on this
	// path only, answering 404 on every other. An Upgrader takes the
	// upgrades of this path only and leaves every other request to the
	// endpoint's formats. It must start with "/". Empty means DefaultPath,
	// "/". A Handler ignores it: the ServeMux that mounts the Handler
	// routes.
	Path string
	// TLS turns ws into wss. Nil means plain ws. For Listen it must hold a
	// certificate (Certificates, GetCertificate or GetConfigForClient). For
	// Dial an empty ServerName defaults to the host of the address. A zero
	// MinVersion means TLS 1.2. NextProtos is always replaced by
	// "http/1.1": the WebSocket upgrade needs HTTP/1.1. A Handler ignores
	// TLS: the http.Server that serves it does TLS; so does an Upgrader:
	// the listener of the endpoint does TLS.
	TLS *tls.Config
	// OriginPatterns lists the origins, besides the server's own host,
	// whose browser pages may open a connection: each pattern is matched
	// with path.Match against the Origin header's host ("example.com",
	// "*.example.com", "127.0.0.1:8080"), or against "scheme://host" when
	// the pattern contains "://". Empty means same-origin only: a browser
	// page of another origin is refused with 403 Forbidden. Requests
	// without an Origin header (programs, not browsers) are never refused.
	// This is coder/websocket's AcceptOptions.OriginPatterns; "*" allows
	// every origin, which exposes the server to cross-site requests.
	OriginPatterns []string
	// MaxMessageSize is the largest WebSocket message accepted, in bytes:
	// a peer that sends a larger one has its connection closed with status
	// 1009 (message too big), by the server side as soon as the length in a
	// frame header shows it, before the payload is read. It also bounds the
	// messages sent: a Write longer than MaxMessageSize is sent as several
	// messages, which a peer with the same limit accepts. Zero means
	// DefaultMaxMessageSize, 4 MiB; negative means no limit. Browser
	// clients send each rpc frame in one message: keep it at least the rpc
	// endpoint's MaxMessageSize.
	MaxMessageSize int
	// HandshakeTimeout bounds the opening of a connection: for Dial the
	// connect, the TLS handshake and the upgrade, within the deadline of
	// its context; for Listen the TLS handshake and the reading of the
	// upgrade request; for a Handler the wait for Accept to take an upgraded
	// connection, after which it is closed with status 1013 (try again
	// later); for an Upgrader the reading of the upgrade request and the
	// writing of the answer, within the deadline of its context. Zero means
	// DefaultHandshakeTimeout, 10 s.
	HandshakeTimeout time.Duration
	// CloseTimeout bounds how long Close waits for the peer's answer to its
	// close frame (the WebSocket closing handshake) before it closes the TCP
	// connection. Zero means DefaultCloseTimeout, 1 s. coder/websocket caps
	// the wait at 5 s.
	CloseTimeout time.Duration
	// Header is sent with Dial's upgrade request, for example an
	// Authorization header. Nil sends none. The WebSocket headers
	// themselves are set by the transport. The server side ignores it.
	Header http.Header
	// Logger receives the transport's logs, all at Debug level: refused
	// upgrades and the errors of Listen's HTTP server. Nil means no logs.
	Logger *slog.Logger
	// Binder, when set, opens the TCP socket of Listen (with its Listen
	// method), for example a socket inherited from the process that ran
	// before a hot restart. The listener of Listen owns that socket and
	// closes it when it is closed; see [transport.Binder]. Nil means a
	// fresh socket, bound as [transport.Bind] does. Dial, a Handler and an
	// Upgrader ignore it.
	Binder transport.Binder
}

// DefaultConfig returns a Config with every default written out.
func DefaultConfig() Config {
	return Config{
		Path:             DefaultPath,
		MaxMessageSize:   DefaultMaxMessageSize,
		HandshakeTimeout: DefaultHandshakeTimeout,
		CloseTimeout:     DefaultCloseTimeout,
	}
}

// Clone returns a copy of c that shares no slice, header or TLS
// configuration with it. The Logger and the Binder are shared.
func (c Config) Clone() Config {
	c.OriginPatterns = slices.Clone(c.OriginPatterns)
	c.Header = c.Header.Clone()
	if c.TLS != nil {
		c.TLS = c.TLS.Clone()
	}
	return c
}

// settings is a Config with every default filled in.
type settings struct {
	Config
	log *slog.Logger
}

// Validate reports the first field that cannot work, in an error wrapping
// ErrConfig.
func (c Config) Validate() error {
	_, err := c.resolve()
	return err
}

// resolve returns c with its defaults, or an error wrapping ErrConfig.
func (c Config) resolve() (*settings, error) {
	s := &settings{Config: c}
	if s.Path == "" {
		s.Path = DefaultPath
	}
	if !strings.HasPrefix(s.Path, "/") {
		return nil, fmt.Errorf("%w: Path %q does not start with /", ErrConfig, s.Path)
	}
	if s.MaxMessageSize == 0 {
		s.MaxMessageSize = DefaultMaxMessageSize
	}
	if s.HandshakeTimeout < 0 || s.CloseTimeout < 0 {
		return nil, fmt.Errorf("%w: negative HandshakeTimeout %v or CloseTimeout %v", ErrConfig, s.HandshakeTimeout, s.CloseTimeout)
	}
	if s.HandshakeTimeout == 0 {
		s.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if s.CloseTimeout == 0 {
		s.CloseTimeout = DefaultCloseTimeout
	}
	for _, p := range s.OriginPatterns {
		// coder/websocket logs a bad pattern with the log package at each
		// request; refuse it here instead.
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("%w: OriginPatterns: %q: %w", ErrConfig, p, err)
		}
	}
	s.log = s.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// readLimit is the read limit to give coder/websocket: -1 for none.
func (s *settings) readLimit() int64 {
	if s.MaxMessageSize < 0 {
		return -1
	}
	return int64(s.MaxMessageSize)
}

// serverTLS returns the TLS configuration of Listen, or an error when it
// has no certificate.
func (s *settings) serverTLS() (*tls.Config, error) {
	c := s.TLS
	if len(c.Certificates) == 0 && c.GetCertificate == nil && c.GetConfigForClient == nil {
		return nil, fmt.Errorf("%w: TLS has no certificate (set Certificates, GetCertificate or GetConfigForClient)", ErrConfig)
	}
	return http11(c), nil
}

// http11 returns a clone of c that negotiates HTTP/1.1 only, with TLS 1.2
// as the default minimum version.
func http11(c *tls.Config) *tls.Config {
	c = c.Clone()
	c.NextProtos = []string{"http/1.1"}
	if c.MinVersion == 0 {
		c.MinVersion = tls.VersionTLS12
	}
	return c
}

// errorLog returns the log.Logger for an http.Server: Debug records of
// Logger, or nothing.
func (s *settings) errorLog() *log.Logger {
	if s.Logger == nil {
		return log.New(io.Discard, "", 0)
	}
	return slog.NewLogLogger(s.Logger.Handler(), slog.LevelDebug)
}
