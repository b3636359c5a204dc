package mdns

import (
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"
)

// ErrConflict: another responder on the link answers for the instance name
// a registration probed for, with different data (RFC 6762 §9).
var ErrConflict = errors.New("mdns: name conflict")

// DefaultPort is the mDNS port.
const DefaultPort = 5353

// DefaultTTL is the record TTL of a registration whose RegisterOptions.TTL
// is zero.
const DefaultTTL = 120 * time.Second

// Config configures a Registry. The zero value works: every
// multicast-capable interface, port 5353, the machine's host name.
type Config struct {
	// Interfaces names the interfaces to speak mDNS on, one socket per
	// interface and address family. Empty means every interface that is
	// up, multicast-capable and has an address of a family in use. A
	// named interface that does not exist, or where no family can join
	// its group, makes NewRegistry fail; a family that cannot join on an
	// interface is logged and skipped while the other keeps working.
	Interfaces []string
	// IPv4Only and IPv6Only limit the registry to one address family:
	// its group (224.0.0.251 or ff02::fb) and its interface addresses in
	// A or AAAA records. Both false (the zero value) means both families;
	// both true is an error.
	IPv4Only, IPv6Only bool
	// OnConflict, when set, is told about a conflict found after a node
	// was announced: another responder announcing the node's instance
	// name with other data (RFC 6762 §9). The error wraps ErrConflict and
	// names the instance and the peer; it is also logged at warn level.
	// The registry keeps publishing its node (the node id is its
	// identity, so it is not renamed); resolving the clash is the
	// user's. Called from the registry's goroutines, once per conflicting
	// record; it must not block.
	OnConflict func(error)
	// LocalOnly opens no socket: Register and the lookups see only this
	// registry's own services, as when no interface can do multicast.
	// For tests, and for processes that must not touch the network.
	LocalOnly bool
	// Port is the UDP port; zero means 5353. Tests use another one.
	Port int
	// Host is the host label published as "<Host>.local." in SRV records
	// for nodes whose address is not an IP; empty means the first label
	// of os.Hostname.
	Host string
	// Logger receives the registry's log lines; nil means slog.Default().
	Logger *slog.Logger
	// BrowseWait is how long GetService and ListServices wait for answers
	// to their first query of a service; zero means 1 s. Later calls
	// answer from the cache, which the registry keeps fresh.
	BrowseWait time.Duration
	// AddressCheck is how often interface addresses are compared with
	// those last announced (a change re-announces); zero means 10 s.
	AddressCheck time.Duration
	// MaxCache caps the records the browser caches; records beyond it are
	// dropped (a flood cannot grow memory). Zero means 4096.
	MaxCache int

	// interfaces lists candidate interfaces; nil means net.Interfaces.
	// Tests replace it.
	interfaces func() ([]net.Interface, error)
}

// Timing of probing and announcing (RFC 6762 §8); variables of the
// registry so that nothing global changes.
const (
	probeInterval    = 250 * time.Millisecond
	probeCount       = 3
	announceInterval = time.Second
	rateLimit        = time.Second            // one multicast answer per record per second per interface
	probeRateLimit   = 250 * time.Millisecond // the same, answering probes
	maxKnownAnswers  = 64
	maxServiceTypes  = 256
)

func (c Config) families() families {
	return families{v4: !c.IPv6Only, v6: !c.IPv4Only}
}

func (c Config) withDefaults() Config {
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	if c.Host == "" {
		h, _ := os.Hostname()
		h, _, _ = strings.Cut(h, ".")
		if h == "" {
			h = "dmicro"
		}
		c.Host = h
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.BrowseWait <= 0 {
		c.BrowseWait = time.Second
	}
	if c.AddressCheck <= 0 {
		c.AddressCheck = 10 * time.Second
	}
	if c.MaxCache <= 0 {
		c.MaxCache = 4096
	}
	if c.interfaces == nil {
		c.interfaces = net.Interfaces
	}
	c.Interfaces = append([]string(nil), c.Interfaces...)
	return c
}
