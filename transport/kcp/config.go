package kcp

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	kcpgo "github.com/xtaci/kcp-go/v5"

	"github.com/dmicro-go/dmicro/transport"
)

// Defaults of the Config fields whose zero value means "default". They favour
// latency over bandwidth and CPU: KCP's "turbo" no-delay mode.
const (
	DefaultNoDelay          = 1
	DefaultInterval         = 10 * time.Millisecond
	DefaultResend           = 2
	DefaultNoCongestion     = 1
	DefaultSendWindow       = 1024
	DefaultReceiveWindow    = 1024
	DefaultMTU              = 1350
	DefaultKeepAlive        = 5 * time.Second
	DefaultPeerTimeoutRatio = 3
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultLinger           = 3 * time.Second
	DefaultSocketBuffer     = 4 << 20
	DefaultMaxHalfOpen      = 128
)

// Config tunes the transport. Its zero value is ready to use: no packet
// encryption, no FEC, the low-latency defaults above. A Config must not
// change once a Transport uses it.
type Config struct {
	// Crypt names KCP's packet encryption: "" for none, "aes-gcm"
	// (authenticated; the recommended one), "aes", "salsa20", "sm4",
	// "twofish", "blowfish", "cast5", "3des", "tea", "xtea", "xor", or
	// "none" (kcp-go's nonce and checksum framing without encryption). Both
	// sides must agree on it and on Key: a dial to a peer with another key
	// fails its handshake, for the peer drops every packet.
	Crypt string
	// Key is the encryption key: 16, 24 or 32 bytes for "aes" and
	// "aes-gcm" (AES-128, -192, -256), 32 for "salsa20", 16 for "sm4",
	// "tea" and "xtea", and at least the cipher's block size for the
	// others. Derive it from a passphrase with a KDF; never use a password
	// as it is.
	Key []byte
	// Block, when set, is the packet encryption, and Crypt and Key are
	// ignored.
	Block kcpgo.BlockCrypt

	// DataShards and ParityShards turn on forward error correction: every
	// DataShards packets are followed by ParityShards parity packets, so
	// that up to ParityShards losses among them are repaired without a
	// retransmission. Zero for both: off (the default). Both sides must
	// use the same values.
	DataShards, ParityShards int

	// NoDelay, Interval, Resend and NoCongestion are KCP's ikcp_nodelay
	// options: no-delay mode (1 on, 0 off; default 1), the internal update
	// interval (default 10 ms), the fast-resend threshold in duplicate
	// ACKs (default 2; 0 off), and 1 to turn congestion control off
	// (default 1). Negative values mean 0.
	NoDelay      int
	Interval     time.Duration
	Resend       int
	NoCongestion int
	// SendWindow and ReceiveWindow are KCP's window sizes, in packets
	// (default 1024 each).
	SendWindow, ReceiveWindow int
	// MTU is the largest UDP payload KCP sends, in bytes (default 1350,
	// which fits common tunnels).
	MTU int
	// DSCP is the DiffServ code point of the packets sent (0 to 63; 46,
	// expedited forwarding, for latency), set on dialed sockets and
	// listening sockets. Zero leaves it alone.
	DSCP int
	// SocketBuffer is the UDP socket's receive and send buffer size in
	// bytes (default 4 MiB; the kernel may cap it).
	SocketBuffer int

	// KeepAlive is how long a side sends nothing before it sends a PING
	// (default 5 s); negative turns keep-alive and the peer timeout off.
	KeepAlive time.Duration
	// PeerTimeout ends a connection that received nothing for that long
	// (default 3 × KeepAlive). It is how a vanished peer is noticed: KCP
	// itself never learns it.
	PeerTimeout time.Duration
	// HandshakeTimeout bounds the session layer's opening: a Dial waiting
	// for ACCEPT (within its context), and an accepted connection waiting
	// for OPEN when used before the rpc layer's handshake (default 10 s).
	HandshakeTimeout time.Duration
	// Linger is how long a closed connection keeps retransmitting what it
	// sent while waiting for the peer's CLOSE (default 3 s).
	Linger time.Duration

	// MaxHalfOpen caps a listener's half-open sessions: those it accepted
	// whose first chunk had not arrived yet, until they read the peer's OPEN
	// or fail (HandshakeContext bounds that wait). A session that brings its
	// OPEN in its first packet, as every Dial of this package does, opens
	// in Accept and never counts. Past the cap, Accept drops a new session
	// without its first chunk at once: it releases the KCP session, does
	// not return it, and sends nothing to the peer, whose OPEN, when it
	// comes, makes a new session. Drops are counted and logged through
	// Logger at most once a second. A half-open session holds about 30 KiB
	// with KCP windows of 4 packets until it opens, and up to about 45 KiB
	// more for the packets its first datagram carried out of order (kcp-go
	// takes that datagram with its own 32-packet window), and with FEC up
	// to four groups of DataShards+ParityShards packets. Default 128;
	// negative means no limit.
	MaxHalfOpen int
	// Logger receives a listener's warning that it dropped half-open
	// sessions over MaxHalfOpen, at most one line a second with the count.
	// Nil means no logs.
	Logger *slog.Logger

	// Binder, when set, opens the UDP socket of Listen (with its
	// ListenPacket method), for example a socket inherited from the process
	// that ran before a hot restart. It must return a *net.UDPConn, which
	// Listen tunes (SocketBuffer, DSCP); anything else is closed and Listen
	// fails with an error wrapping ErrConfig. The listener owns the socket
	// and closes it once it and the last connection it accepted are closed;
	// see [transport.Binder]. Nil means a fresh socket, bound as
	// [transport.Bind] does. Dial ignores it.
	Binder transport.Binder
}

// settings is a Config with every default filled in.
type settings struct {
	Config
	block kcpgo.BlockCrypt
	log   *slog.Logger // Logger, or a logger that discards
}

// resolve returns c with its defaults, and its packet encryption made.
func (c Config) resolve() (*settings, error) {
	s := &settings{Config: c}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
		*v = max(*v, 0)
	}
	def(&s.NoDelay, DefaultNoDelay)
	def(&s.Resend, DefaultResend)
	def(&s.NoCongestion, DefaultNoCongestion)
	def(&s.SendWindow, DefaultSendWindow)
	def(&s.ReceiveWindow, DefaultReceiveWindow)
	def(&s.MTU, DefaultMTU)
	def(&s.SocketBuffer, DefaultSocketBuffer)
	if s.Interval <= 0 {
		s.Interval = DefaultInterval
	}
	if s.KeepAlive == 0 {
		s.KeepAlive = DefaultKeepAlive
	}
	if s.PeerTimeout <= 0 {
		s.PeerTimeout = DefaultPeerTimeoutRatio * s.KeepAlive
	}
	if s.HandshakeTimeout <= 0 {
		s.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if s.Linger <= 0 {
		s.Linger = DefaultLinger
	}
	if s.MaxHalfOpen == 0 {
		s.MaxHalfOpen = DefaultMaxHalfOpen
	}
	s.log = s.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.DataShards < 0 || s.ParityShards < 0 || (s.DataShards == 0) != (s.ParityShards == 0) {
		return nil, fmt.Errorf("%w: DataShards %d and ParityShards %d: both zero, or both positive", ErrConfig, s.DataShards, s.ParityShards)
	}
	if s.DSCP < 0 || s.DSCP > 63 {
		return nil, fmt.Errorf("%w: DSCP %d is not within 0 to 63", ErrConfig, s.DSCP)
	}
	if s.MTU < 64 {
		return nil, fmt.Errorf("%w: MTU %d is below 64 bytes", ErrConfig, s.MTU)
	}
	var err error
	if s.block, err = c.blockCrypt(); err != nil {
		return nil, err
	}
	return s, nil
}

// blockCrypt makes the packet encryption Crypt and Key name.
func (c Config) blockCrypt() (kcpgo.BlockCrypt, error) {
	if c.Block != nil {
		return c.Block, nil
	}
	if c.Crypt == "" {
		return nil, nil
	}
	makers := map[string]func([]byte) (kcpgo.BlockCrypt, error){
		"aes-gcm":  kcpgo.NewAESGCMCrypt,
		"aes":      kcpgo.NewAESBlockCrypt,
		"salsa20":  kcpgo.NewSalsa20BlockCrypt,
		"sm4":      kcpgo.NewSM4BlockCrypt,
		"twofish":  kcpgo.NewTwofishBlockCrypt,
		"blowfish": kcpgo.NewBlowfishBlockCrypt,
		"cast5":    kcpgo.NewCast5BlockCrypt,
		"3des":     kcpgo.NewTripleDESBlockCrypt,
		"tea":      kcpgo.NewTEABlockCrypt,
		"xtea":     kcpgo.NewXTEABlockCrypt,
		"xor":      kcpgo.NewSimpleXORBlockCrypt,
		"none":     kcpgo.NewNoneBlockCrypt,
	}
	mk, ok := makers[c.Crypt]
	if !ok {
		return nil, fmt.Errorf("%w: unknown Crypt %q", ErrConfig, c.Crypt)
	}
	if len(c.Key) == 0 && c.Crypt != "none" {
		return nil, fmt.Errorf("%w: Crypt %q needs a Key", ErrConfig, c.Crypt)
	}
	b, err := mk(c.Key)
	if err != nil {
		return nil, fmt.Errorf("%w: Crypt %q: %w", ErrConfig, c.Crypt, err)
	}
	return b, nil
}

// Sentinel errors of the package.
var (
	// ErrConfig reports a Config that cannot work.
	ErrConfig = errors.New("transport/kcp: invalid config")
	// ErrHandshake reports a session layer opening that failed: the peer
	// did not answer, or answered something else than the protocol says.
	ErrHandshake = errors.New("transport/kcp: handshake failed")
	// ErrProtocol reports bytes that break the session layer's format.
	ErrProtocol = errors.New("transport/kcp: protocol error")
	// ErrPeerSilent reports a peer from which nothing arrived for the peer
	// timeout. The error that wraps it is a net.Error whose Timeout is
	// true.
	ErrPeerSilent = errors.New("transport/kcp: peer silent")
)
