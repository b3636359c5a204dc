package quic

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"github.com/dmicro-go/dmicro/transport"
)

// Transport is the [transport.Transport] of QUIC: Listen and Dial on the
// networks "udp", "udp4" and "udp6". Make one with [New]; the zero value
// has no TLS configuration, and every Listen and Dial fails. A Transport is
// safe for concurrent use.
//
// Each dialed connection has a UDP socket of its own. A listener's socket
// is shared by the connections it accepted and stays open, after the
// listener closes, until the last of them is closed. While it lingers so,
// a Listen of the same Transport on the same address takes it over instead
// of failing because the port is in use, as a server restarted in the same
// process does. [Transport.Wait] waits for every socket to close.
type Transport struct {
	cfg Config

	mu      sync.Mutex
	sockets map[string]*socket // listening sockets by network and address
	cache   tls.ClientSessionCache
	open    int           // UDP sockets not yet closed, listening and dialed
	idle    chan struct{} // closed when open drops to zero; nil if nobody waits
}

var _ transport.Transport = (*Transport)(nil)

// New returns a Transport with cfg. It does not check cfg: Listen and Dial
// do, and [Config.Validate] does so at once.
func New(cfg Config) *Transport {
	return &Transport{cfg: cfg}
}

// Wait blocks until every UDP socket of t is closed, or until ctx ends,
// and then returns ctx's error. A socket closes once its listener, if any,
// and its connections are closed and done closing (see [Conn.Close]): QUIC
// runs in the process, so a program that exits right after closing its
// connections may exit before their last bytes are sent; Wait lets it
// finish first. Wait returns at once if t has no socket open.
func (t *Transport) Wait(ctx context.Context) error {
	t.mu.Lock()
	if t.open == 0 {
		t.mu.Unlock()
		return nil
	}
	if t.idle == nil {
		t.idle = make(chan struct{})
	}
	idle := t.idle
	t.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// opened counts a new socket. The caller holds t.mu.
func (t *Transport) opened() { t.open++ }

// closed counts a closed socket. The caller holds t.mu.
func (t *Transport) closed() {
	t.open--
	if t.open == 0 && t.idle != nil {
		close(t.idle)
		t.idle = nil
	}
}

// sessionCache returns the TLS session cache the Transport's dials share
// for 0-RTT, or nil when 0-RTT is off.
func (t *Transport) sessionCache() tls.ClientSessionCache {
	if !t.cfg.Allow0RTT {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cache == nil {
		t.cache = tls.NewLRUClientSessionCache(0)
	}
	return t.cache
}

// checkNetwork refuses the networks that are not UDP.
func checkNetwork(network string) error {
	return transport.CheckNetwork(network, "udp", "udp4", "udp6")
}

// resolve turns addr into a UDP address of network, looking a host name up
// under ctx. An empty host is the unspecified address.
func resolve(ctx context.Context, network, addr string) (*net.UDPAddr, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("transport/quic: address %q: %w", addr, err)
	}
	port, err := net.DefaultResolver.LookupPort(ctx, network, portStr)
	if err != nil {
		return nil, fmt.Errorf("transport/quic: address %q: %w", addr, err)
	}
	if host == "" {
		return &net.UDPAddr{Port: port}, nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		ipNet := map[string]string{"udp": "ip", "udp4": "ip4", "udp6": "ip6"}[network]
		ips, lerr := net.DefaultResolver.LookupNetIP(ctx, ipNet, host)
		if lerr != nil {
			return nil, fmt.Errorf("transport/quic: address %q: %w", addr, lerr)
		}
		if len(ips) == 0 {
			return nil, fmt.Errorf("transport/quic: address %q: no %s address for %s", addr, ipNet, host)
		}
		ip = ips[0]
	}
	ip = ip.Unmap()
	if (network == "udp4" && !ip.Is4()) || (network == "udp6" && !ip.Is6()) {
		return nil, fmt.Errorf("transport/quic: address %q is not an %s address", addr, network)
	}
	return net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))), nil
}
