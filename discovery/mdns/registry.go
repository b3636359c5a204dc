package mdns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/internal/dnsmsg"
)

// Registry is a discovery.Registry on multicast DNS: a responder that
// publishes what is registered through it and a browser that finds what
// others publish on the link. It is safe for concurrent use.
type Registry struct {
	cfg   Config
	log   *slog.Logger
	socks []*ifaceSock

	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	closed    bool
	local     map[string]*entry          // by lower-case instance name
	probing   map[string]*probe          // instance names being probed
	conflicts map[string]bool            // conflicts reported after announcing, by instance and record
	addrs     map[int][]netip.Addr       // announced addresses, by interface index
	lastSent  map[sentKey]time.Time      // multicast rate limit
	browse    browser                    // the cache and what it is interested in
	watchers  map[*watcher]struct{}      //
	view      map[string]nodeView        // what watchers were last told, by instance
	waiters   map[chan struct{}]struct{} // woken when the view changes

	noGoodbye bool // tests: vanish without goodbye
}

var _ discovery.Registry = (*Registry)(nil)

type sentKey struct {
	iface int
	v6    bool
	key   string
}

// NewRegistry opens a socket per address family on each interface cfg
// names (or on every multicast-capable one) and starts answering and
// browsing. A named interface that is missing or where no family can join
// its group is an error. With no multicast interface at all it logs so
// once and keeps running: Register and the lookups then see only this
// registry's own services.
func NewRegistry(cfg Config) (*Registry, error) {
	if cfg.IPv4Only && cfg.IPv6Only {
		return nil, errors.New("mdns: Config.IPv4Only and Config.IPv6Only are both set")
	}
	cfg = cfg.withDefaults()
	var ifis []net.Interface
	if !cfg.LocalOnly {
		var err error
		if ifis, err = chooseInterfaces(cfg); err != nil {
			return nil, err
		}
	}
	r := &Registry{
		cfg:       cfg,
		log:       cfg.Logger.With("component", "mdns"),
		local:     map[string]*entry{},
		probing:   map[string]*probe{},
		conflicts: map[string]bool{},
		addrs:     map[int][]netip.Addr{},
		lastSent:  map[sentKey]time.Time{},
		browse:    newBrowser(),
		watchers:  map[*watcher]struct{}{},
		view:      map[string]nodeView{},
		waiters:   map[chan struct{}]struct{}{},
	}
	for _, ifi := range ifis {
		socks, err := openSocks(ifi, cfg, r.log)
		if err != nil && len(cfg.Interfaces) > 0 {
			for _, s := range r.socks {
				s.conn.Close()
			}
			return nil, err
		}
		if len(socks) > 0 {
			r.socks = append(r.socks, socks...)
			r.addrs[ifi.Index] = interfaceAddrs(ifi, cfg.families())
		}
	}
	if len(r.socks) == 0 && !cfg.LocalOnly {
		r.log.Warn("mdns: no multicast interface; serving this registry's own services only")
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	for _, s := range r.socks {
		r.wg.Add(1)
		go r.readLoop(s)
	}
	r.wg.Add(1)
	go r.maintain()
	return r, nil
}

// Close sends goodbyes for every registration, ends every watch, and
// closes the sockets.
func (r *Registry) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	entries := make([]*entry, 0, len(r.local))
	for _, e := range r.local {
		entries = append(entries, e)
	}
	r.local = map[string]*entry{}
	noGoodbye := r.noGoodbye
	for w := range r.watchers {
		w.stop()
	}
	r.watchers = nil
	r.mu.Unlock()
	if !noGoodbye {
		r.goodbye(entries)
	}
	r.cancel()
	for _, s := range r.socks {
		s.conn.Close()
	}
	r.wg.Wait()
	return nil
}

// readLoop handles the packets of one interface until Close.
func (r *Registry) readLoop(s *ifaceSock) {
	defer r.wg.Done()
	buf := make([]byte, 9000)
	var m dnsmsg.Message
	for {
		n, src, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if r.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			r.log.Debug("mdns: read", "interface", s.ifi.Name, "err", err)
			continue
		}
		if err := m.Decode(buf[:n]); err != nil {
			r.log.Debug("mdns: dropped a malformed packet", "interface", s.ifi.Name, "from", src, "err", err)
			continue
		}
		if m.Response() {
			r.handleResponse(s, src, &m)
		} else {
			r.handleQuery(s, src, &m)
		}
	}
}

// maintain expires cached records, sends the browser's queries, and
// re-announces after an address change, until Close.
func (r *Registry) maintain() {
	defer r.wg.Done()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	lastCheck := time.Now()
	for {
		select {
		case <-r.ctx.Done():
			return
		case now := <-tick.C:
			r.expire(now)
			r.sendQueries(now)
			if now.Sub(lastCheck) >= r.cfg.AddressCheck {
				lastCheck = now
				r.checkAddresses()
			}
		}
	}
}

// checkAddresses re-announces every registration on an interface whose
// addresses changed since they were last announced, after goodbyes for
// the addresses it lost (RFC 6762 §10.4).
func (r *Registry) checkAddresses() {
	r.mu.Lock()
	idxs := slices.Collect(maps.Keys(r.addrs))
	r.mu.Unlock()
	for _, idx := range idxs {
		ifi, err := net.InterfaceByIndex(idx)
		if err != nil {
			continue
		}
		now := interfaceAddrs(*ifi, r.cfg.families())
		r.mu.Lock()
		old := r.addrs[idx]
		r.addrs[idx] = now
		entries := r.entriesLocked()
		r.mu.Unlock()
		if slices.Equal(now, old) {
			continue
		}
		var lost []netip.Addr
		for _, a := range old {
			if !slices.Contains(now, a) {
				lost = append(lost, a)
			}
		}
		r.log.Info("mdns: interface addresses changed; announcing again", "interface", ifi.Name, "addrs", fmt.Sprint(now), "lost", fmt.Sprint(lost))
		r.addressGoodbye(idx, entries, lost)
		r.announce(entries)
	}
}

func (r *Registry) entriesLocked() []*entry {
	out := make([]*entry, 0, len(r.local))
	for _, e := range r.local {
		out = append(out, e)
	}
	return out
}

// send writes msg to dst on s (the group when dst is not valid).
func (r *Registry) send(s *ifaceSock, msg *dnsmsg.Message, dst netip.AddrPort) {
	b, err := msg.Append(make([]byte, 0, 512))
	if err != nil {
		r.log.Error("mdns: encoding a message", "err", err)
		return
	}
	if !dst.IsValid() {
		_, err = s.conn.WriteToUDP(b, s.group)
	} else {
		_, err = s.conn.WriteToUDPAddrPort(b, dst)
	}
	if err != nil && r.ctx.Err() == nil {
		r.log.Debug("mdns: send", "interface", s.ifi.Name, "to", dst, "err", err)
	}
}
