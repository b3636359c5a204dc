package rpc

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
)

// peer is what an endpoint keeps of one remote peer, as Config.PeerKey
// names it: its accepted connections, and its share of the handler places.
type peer struct {
	key      string
	conns    int          // accepted connections; under peerTable.mu
	admitted atomic.Int64 // calls and pushes admitted, running or waiting
}

// peerTable counts accepted connections, in all and per peer, and shares
// the endpoint's handler places fairly between the peers that want them.
type peerTable struct {
	mu     sync.Mutex
	m      map[string]*peer
	conns  int          // accepted connections in all
	active atomic.Int64 // peers with a key and a connection
}

// Why a connection is refused at accept.
var (
	errTooManyConns     = errors.New("rpc: too many connections (Config.MaxConns)")
	errTooManyPeerConns = errors.New("rpc: too many connections from this peer (Config.MaxConnsPerPeer)")
)

// peerKey returns the key of a remote address: Config.PeerKey's, or the
// IP address without the port; "" (no per-peer limits) for an address
// without an IP, such as a unix socket's.
func (e *Endpoint) peerKey(a net.Addr) string {
	if e.cfg.PeerKey != nil {
		return e.cfg.PeerKey(a)
	}
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP.String()
	case *net.UDPAddr:
		return a.IP.String()
	case nil:
		return ""
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil || net.ParseIP(host) == nil {
		return ""
	}
	return host
}

// open counts a new accepted connection from key, or refuses it when the
// endpoint or the peer has its most. max or perPeer below 0 is no limit.
func (t *peerTable) open(key string, max, perPeer int) (*peer, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if max >= 0 && t.conns >= max {
		return nil, errTooManyConns
	}
	p := t.m[key]
	if p == nil {
		p = &peer{key: key}
	}
	if key != "" && perPeer >= 0 && p.conns >= perPeer {
		return nil, errTooManyPeerConns
	}
	if t.m == nil {
		t.m = make(map[string]*peer)
	}
	t.m[key] = p
	if p.conns == 0 && key != "" {
		t.active.Add(1)
	}
	p.conns++
	t.conns++
	return p, nil
}

// close uncounts a connection counted by open.
func (t *peerTable) close(p *peer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p.conns--
	t.conns--
	if p.conns == 0 && t.m[p.key] == p {
		delete(t.m, p.key)
		if p.key != "" {
			t.active.Add(-1)
		}
	}
}

// admit reserves a handler place for peer p, given the places the
// endpoint has admitted (load, this one included) out of capacity. While
// the endpoint is at most half full every peer is admitted; past that, a
// peer may hold at most an equal share, among the peers connected, of the
// capacity less a sixteenth of it kept for peers yet to come. So one
// peer's flood is refused while the others keep being served, and a peer
// alone (every client behind one proxy) still has nearly all of it. A nil
// p (a session this endpoint dialed, or a peer without a key) is always
// admitted.
func (t *peerTable) admit(p *peer, load, capacity int64) bool {
	if p == nil || p.key == "" {
		return true
	}
	n := p.admitted.Add(1)
	if 2*load <= capacity || n <= max((capacity-capacity/16)/max(t.active.Load(), 1), 1) {
		return true
	}
	p.admitted.Add(-1)
	return false
}

// unadmit gives back a place taken by admit.
func (t *peerTable) unadmit(p *peer) {
	if p != nil && p.key != "" {
		p.admitted.Add(-1)
	}
}
