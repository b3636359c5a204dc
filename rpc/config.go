package rpc

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/dmicro-go/dmicro/codec"
	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/transport"
)

// Config sets up an [Endpoint]. The zero value works: every field documents
// what zero means. NewEndpoint copies the Config; changing it later has no
// effect.
type Config struct {
	// Network is the network to listen and dial on: "tcp" (the default),
	// "tcp4", "tcp6" or "unix", or any network the Transport knows.
	Network string
	// ListenAddr is the address ListenAndServe and Listen use. Empty means
	// ":0", any free port; a unix address is a socket path.
	ListenAddr string
	// Transport carries sessions. Nil means transport.Net with TLS on top
	// when TLSConfig is set.
	Transport transport.Transport
	// TLSConfig turns on TLS over the default transport: a server needs a
	// certificate in it, a client the roots to check the server against.
	// It is ignored when Transport is set.
	TLSConfig *tls.Config

	// DialTimeout bounds each dial attempt, handshake included, in addition
	// to the caller's context. Zero means 10 s.
	DialTimeout time.Duration
	// HandshakeTimeout bounds the TLS (or other transport) handshake of an
	// accepted connection, and the wait for its first bytes when they pick
	// its format (Formats, Upgraders). Zero means 10 s.
	HandshakeTimeout time.Duration
	// FirstFrameTimeout closes an accepted connection that has not sent
	// one whole frame that long after it was accepted, so that
	// connections that never say anything cannot pile up. A client that
	// only listens for pushes should call or ping first (the heartbeat
	// plugin does). Zero means 10 s; negative means no limit.
	FirstFrameTimeout time.Duration
	// WriteTimeout bounds one write to the connection; a peer that does not
	// read for that long has its session closed. Zero means 10 s; negative
	// means no limit.
	WriteTimeout time.Duration
	// IdleTimeout closes a session that received nothing for that long.
	// Zero means never (use the heartbeat plugin to keep sessions alive).
	IdleTimeout time.Duration
	// ReadTimeout bounds the reading of one frame (or HTTP request) once
	// its first byte has arrived, so that a peer trickling a frame cannot
	// hold its connection and buffer forever. Zero means 30 s; negative
	// means no bound. An accepted connection must also complete its first
	// frame within HandshakeTimeout of being accepted.
	ReadTimeout time.Duration

	// Redial is the policy of dialed sessions that lose their peer. The zero
	// value never redials.
	Redial RedialPolicy

	// DefaultCodec names the body codec of outgoing calls and pushes that
	// do not choose one. Empty means "json".
	DefaultCodec string
	// Codecs adds codecs to the standard five (json, protobuf, plain, form, xml).
	Codecs []codec.Codec
	// Format is the frame format: the one Dial speaks, and the one a
	// listener serves unless Formats says otherwise. Nil means raw.
	Format wire.Format
	// Formats, when it lists two or more formats, makes every listener
	// serve all of them on one port: the first bytes of each connection
	// pick the format (each must implement wire.Sniffer), and a connection
	// that matches none is closed with one log line. One entry is the same
	// as setting Format.
	Formats []wire.Format
	// Upgraders unwrap protocols that a peer may wrap its stream in, on
	// any listener of the endpoint: each accepted connection's first bytes
	// are shown to them before the format is picked, and the connection an
	// Upgrader returns is served instead (transport/websocket's Upgrader
	// serves WebSocket clients on the port that serves the other formats).
	// With Upgraders or several Formats, a peer must speak first, within
	// HandshakeTimeout.
	Upgraders []transport.Upgrader
	// Filters are the transfer filters the endpoint can apply and undo
	// (gzip, md5, aes-gcm, ...), found by the ids frames carry and by the
	// names calls ask for. A frame naming a filter not listed here is
	// refused with CodeBadMessage.
	Filters []wire.Filter
	// DefaultFilters names the filters, from Filters, applied in order to
	// every call and push sent without WithFilters. Replies use the
	// filters of the call they answer.
	DefaultFilters []string
	// MaxMessageSize caps a frame, header included, in both directions. A
	// larger incoming frame is refused from its length, before any
	// allocation, and answered with CodeTooLarge. Zero means 4 MiB.
	MaxMessageSize int
	// MemoryBudget caps the bytes that the frames the endpoint has read
	// and not yet finished with hold at once, across all its connections:
	// the frames being read, the calls waiting for a handler, and the
	// bodies their transfer filters inflate. A frame that would pass it is
	// refused (its bytes skipped as they arrive) and a call answered with
	// CodeOverloaded, so that a burst of large or inflating frames from
	// many peers costs the budget's worth at most. Zero means 256 MiB;
	// negative means no limit.
	MemoryBudget int64
	// MaxMetadataPairs and MaxMetadataBytes cap the metadata of a frame, in
	// both directions: an incoming frame over either is refused before its
	// pairs are decoded (a call is answered CodeTooLarge), and a call,
	// push or reply with more is not sent (CodeTooLarge). Zero means 100
	// pairs and 64 KiB (wire.DefaultMaxMetadataPairs, ...Bytes).
	MaxMetadataPairs int
	MaxMetadataBytes int

	// MaxHandlers caps the handlers running at once in the endpoint, and
	// MaxQueuedHandlers the calls and pushes waiting for one of those slots.
	// A call arriving when both are full is answered with CodeOverloaded
	// (a push is dropped). Zero means 10000 each; negative means no limit.
	MaxHandlers       int
	MaxQueuedHandlers int
	// MaxSessionHandlers and MaxSessionQueuedHandlers are the same limits
	// for one session, so that one peer cannot take the whole endpoint.
	// Zero means 1000 each; negative means no limit.
	MaxSessionHandlers       int
	MaxSessionQueuedHandlers int

	// MaxConns caps the connections the endpoint's listeners have accepted
	// and not yet closed, and MaxConnsPerPeer those from one peer (see
	// PeerKey). A connection over either is closed at once, after a
	// go-away with CodeOverloaded where the format is known. Zero means
	// 10000 and 512; negative means no limit.
	MaxConns        int
	MaxConnsPerPeer int
	// PeerKey names the peer a connection comes from, for MaxConnsPerPeer
	// and for sharing the handler places fairly between peers: once the
	// endpoint's places are half taken, a peer may hold no more than an
	// equal share, among the peers connected, of all but a sixteenth of
	// them (kept for peers yet to come). Nil means the
	// remote IP address; an empty key (nil's for a unix socket) takes part
	// in neither.
	PeerKey func(remote net.Addr) string

	// Logger receives the endpoint's logs. Nil means no logs, unless
	// LogCalls or SlowCallThreshold asks for some: then slog.Default().
	Logger *slog.Logger
	// LogCalls logs every handled call and push at Info level with its
	// method, peer, code, duration and the keys of its metadata.
	LogCalls bool
	// LogMetaValues adds the metadata's values to the lines of LogCalls
	// and SlowCallThreshold. Off by default: metadata carries credentials.
	LogMetaValues bool
	// SlowCallThreshold logs handled calls that took longer at Warn level.
	// Zero means off.
	SlowCallThreshold time.Duration
}

// Default values of the Config fields whose zero value means "default".
const (
	DefaultDialTimeout        = 10 * time.Second
	DefaultHandshakeTimeout   = 10 * time.Second
	DefaultWriteTimeout       = 10 * time.Second
	DefaultMaxHandlers        = 10000
	DefaultMaxSessionHandlers = 1000
	DefaultMaxConns           = 10000
	DefaultMaxConnsPerPeer    = 512
	DefaultReadTimeout        = 30 * time.Second
	DefaultFirstFrameTimeout  = 10 * time.Second
	DefaultMemoryBudget       = 256 << 20
	DefaultCodecName          = "json"
)

// DefaultConfig returns a Config with every default written out.
func DefaultConfig() Config {
	var c Config
	c.fill()
	return c
}

// Clone returns a copy of c that shares no slices with it.
func (c Config) Clone() Config {
	c.Codecs = append([]codec.Codec(nil), c.Codecs...)
	c.Formats = append([]wire.Format(nil), c.Formats...)
	c.Filters = append([]wire.Filter(nil), c.Filters...)
	c.Upgraders = append([]transport.Upgrader(nil), c.Upgraders...)
	c.DefaultFilters = append([]string(nil), c.DefaultFilters...)
	if c.TLSConfig != nil {
		c.TLSConfig = c.TLSConfig.Clone()
	}
	return c
}

// Validate reports the first field that cannot work.
func (c Config) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf("rpc: config: "+format, args...))
		}
	}
	check(c.DialTimeout >= 0, "DialTimeout %v is negative", c.DialTimeout)
	check(c.HandshakeTimeout >= 0, "HandshakeTimeout %v is negative", c.HandshakeTimeout)
	check(c.IdleTimeout >= 0, "IdleTimeout %v is negative", c.IdleTimeout)
	check(c.MaxMessageSize >= 0, "MaxMessageSize %d is negative", c.MaxMessageSize)
	check(c.MaxMessageSize == 0 || c.MaxMessageSize >= 64, "MaxMessageSize %d is below 64 bytes", c.MaxMessageSize)
	check(c.SlowCallThreshold >= 0, "SlowCallThreshold %v is negative", c.SlowCallThreshold)
	if err := c.Redial.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// fill replaces zero values with defaults.
func (c *Config) fill() {
	if c.Network == "" {
		c.Network = "tcp"
	}
	if c.ListenAddr == "" {
		c.ListenAddr = ":0"
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.HandshakeTimeout == 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.FirstFrameTimeout == 0 {
		c.FirstFrameTimeout = DefaultFirstFrameTimeout
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.DefaultCodec == "" {
		c.DefaultCodec = DefaultCodecName
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = wire.DefaultMaxMessageSize
	}
	defaultLimit(&c.MaxHandlers, DefaultMaxHandlers)
	defaultLimit(&c.MaxQueuedHandlers, DefaultMaxHandlers)
	defaultLimit(&c.MaxSessionHandlers, DefaultMaxSessionHandlers)
	defaultLimit(&c.MaxSessionQueuedHandlers, DefaultMaxSessionHandlers)
	if c.MemoryBudget == 0 {
		c.MemoryBudget = DefaultMemoryBudget
	}
	defaultLimit(&c.MaxConns, DefaultMaxConns)
	defaultLimit(&c.MaxConnsPerPeer, DefaultMaxConnsPerPeer)
	c.Redial.fill()
}

func defaultLimit(v *int, def int) {
	if *v == 0 {
		*v = def
	}
}
