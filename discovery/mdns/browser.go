package mdns

import (
	"context"
	"net"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/internal/dnsmsg"
)

// nodeView is one node as lookups and watchers see it: a service with
// that one node.
type nodeView = discovery.Service

// handleResponse caches the records of m, received on s, that the
// browser follows, and checks them against names being probed and
// announced.
func (r *Registry) handleResponse(s *ifaceSock, src netip.AddrPort, m *dnsmsg.Message) {
	now := time.Now()
	r.mu.Lock()
	conflicts := r.checkConflictsLocked(src, m)
	r.cacheLocked(s, m, now)
	r.mu.Unlock()
	r.reportConflicts(conflicts)
}

// cacheLocked caches the records of m the browser follows. Called with
// r.mu held.
func (r *Registry) cacheLocked(s *ifaceSock, m *dnsmsg.Message, now time.Time) {
	changed := false
	// Records other than addresses first: an SRV makes its target's
	// addresses wanted, in the same packet too.
	for pass := range 2 {
		for _, sec := range [][]dnsmsg.Record{m.Answers, m.Additionals} {
			for i := range sec {
				rec := &sec[i]
				isAddr := rec.Type == dnsmsg.TypeA || rec.Type == dnsmsg.TypeAAAA
				if isAddr != (pass == 1) || !r.browse.wanted(rec) {
					continue
				}
				c, dropped := r.browse.add(rec, now, r.cfg.MaxCache, s.ifi.Name)
				if dropped && !r.browse.full {
					r.browse.full = true
					r.log.Warn("mdns: cache full; dropping new records", "max", r.cfg.MaxCache)
				}
				changed = changed || c
				if rec.Type == dnsmsg.TypeSRV && rec.TTL > 0 {
					r.browse.targets[strings.ToLower(rec.Target)] = true
				}
			}
		}
	}
	if changed {
		r.refreshLocked(now)
	}
}

// expire drops cached records past their TTL.
func (r *Registry) expire(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.browse.expire(now) {
		r.refreshLocked(now)
	}
}

// sendQueries sends the browser's due queries on every interface.
func (r *Registry) sendQueries(now time.Time) {
	r.mu.Lock()
	msg := r.browse.queries(now)
	r.mu.Unlock()
	if msg == nil {
		return
	}
	for _, s := range r.socks {
		r.send(s, msg, netip.AddrPort{})
	}
}

// buildViewLocked joins this registry's entries and the cache into nodes,
// by lower-case instance name.
func (r *Registry) buildViewLocked() map[string]nodeView {
	v := make(map[string]nodeView, len(r.local)+len(r.view))
	idx := map[string][]*cached{}
	for _, c := range r.browse.recs {
		k := rrsetKey(c.rec.Name, c.rec.Type)
		idx[k] = append(idx[k], c)
	}
	targets := map[string]bool{}
	for _, c := range r.browse.recs {
		if c.rec.Type == dnsmsg.TypeSRV {
			targets[strings.ToLower(c.rec.Target)] = true
		}
		if c.rec.Type != dnsmsg.TypePTR {
			continue
		}
		name, ok := serviceName(c.rec.Name)
		if !ok {
			continue
		}
		inst := c.rec.Target
		srvs := idx[rrsetKey(inst, dnsmsg.TypeSRV)]
		if len(srvs) == 0 {
			continue
		}
		srv := srvs[0].rec
		id, rest := dnsmsg.FirstLabel(inst)
		if !strings.EqualFold(rest, c.rec.Name) {
			continue
		}
		svc := discovery.Service{Name: name}
		node := discovery.Node{ID: id, Address: net.JoinHostPort(addrOf(idx, srv.Target, r.cfg.IPv6Only), strconv.Itoa(int(srv.Port)))}
		if txts := idx[rrsetKey(inst, dnsmsg.TypeTXT)]; len(txts) > 0 {
			parseText(txts[0].rec.Text, &svc, &node)
		}
		svc.Nodes = []discovery.Node{node}
		v[strings.ToLower(inst)] = svc
	}
	r.browse.targets = targets
	for k, e := range r.local {
		v[k] = e.svc
	}
	return v
}

// refreshLocked rebuilds the view and tells watchers and waiters what
// changed.
func (r *Registry) refreshLocked(time.Time) {
	v := r.buildViewLocked()
	emit := func(t discovery.EventType, svc discovery.Service) {
		for w := range r.watchers {
			if w.filter.Match(svc.Name) {
				select {
				case w.ch <- discovery.Event{Type: t, Service: svc.Clone()}:
				default:
					w.dropped++
				}
			}
		}
	}
	for k, svc := range v {
		old, ok := r.view[k]
		switch {
		case !ok:
			emit(discovery.EventAdd, svc)
		case !reflect.DeepEqual(old, svc):
			emit(discovery.EventUpdate, svc)
		}
	}
	for k, svc := range r.view {
		if _, ok := v[k]; !ok {
			emit(discovery.EventRemove, svc)
		}
	}
	r.view = v
	for ch := range r.waiters {
		close(ch)
	}
	clear(r.waiters)
}

// lookup follows the type of name (or every type), querying at once and
// waiting up to BrowseWait the first time, and returns the view's
// services, each version separately.
func (r *Registry) lookup(ctx context.Context, name string) ([]discovery.Service, error) {
	now := time.Now()
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, discovery.ErrClosed
	}
	first := false
	if name == "" {
		first = !r.browse.all
		r.browse.all = true
	} else {
		first = r.browse.follow(serviceType(name), now)
	}
	r.mu.Unlock()
	if first && len(r.socks) > 0 {
		r.sendQueries(now)
		if err := r.settle(ctx, name); err != nil {
			return nil, err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return group(r.view, name), nil
}

// settle waits for answers: until BrowseWait passes, or, looking for one
// service, until it has nodes and 100 ms pass without a change.
func (r *Registry) settle(ctx context.Context, name string) error {
	deadline := time.NewTimer(r.cfg.BrowseWait)
	defer deadline.Stop()
	var quiet <-chan time.Time
	for {
		ch := make(chan struct{})
		r.mu.Lock()
		r.waiters[ch] = struct{}{}
		found := name != "" && len(group(r.view, name)) > 0
		r.mu.Unlock()
		if found && quiet == nil {
			t := time.NewTimer(100 * time.Millisecond)
			defer t.Stop()
			quiet = t.C
		}
		select {
		case <-ctx.Done():
			r.dropWaiter(ch)
			return ctx.Err()
		case <-r.ctx.Done():
			r.dropWaiter(ch)
			return discovery.ErrClosed
		case <-deadline.C:
			r.dropWaiter(ch)
			return nil
		case <-quiet:
			r.dropWaiter(ch)
			return nil
		case <-ch:
		}
	}
}

func (r *Registry) dropWaiter(ch chan struct{}) {
	r.mu.Lock()
	delete(r.waiters, ch)
	r.mu.Unlock()
}

// group merges the view's nodes into services by name and version,
// sorted by name, version and node id; name "" means every service.
func group(v map[string]nodeView, name string) []discovery.Service {
	type key struct{ name, version string }
	byKey := map[key]*discovery.Service{}
	for _, svc := range v {
		if name != "" && svc.Name != name {
			continue
		}
		k := key{svc.Name, svc.Version}
		if g := byKey[k]; g != nil {
			g.Nodes = append(g.Nodes, svc.Nodes[0])
			continue
		}
		c := svc.Clone()
		byKey[k] = &c
	}
	out := make([]discovery.Service, 0, len(byKey))
	for _, g := range byKey {
		discovery.SortNodes(g.Nodes)
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b discovery.Service) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Version, b.Version)
	})
	return out
}

// GetService returns the versions of service name known on the link and
// registered here. The first lookup of a name queries the link and waits
// for answers (up to Config.BrowseWait); after it the registry keeps
// querying in the background and later lookups answer from its cache at
// once. ErrNotFound when no node is known.
func (r *Registry) GetService(ctx context.Context, name string) ([]discovery.Service, error) {
	if name == "" {
		return nil, discovery.ErrNotFound
	}
	svcs, err := r.lookup(ctx, name)
	if err != nil {
		return nil, err
	}
	if len(svcs) == 0 {
		return nil, &notFound{name}
	}
	return svcs, nil
}

type notFound struct{ name string }

func (e *notFound) Error() string { return "mdns: service " + strconv.Quote(e.name) + ": not found" }
func (e *notFound) Unwrap() error { return discovery.ErrNotFound }

// ListServices returns every service known on the link (found through
// DNS-SD type enumeration, RFC 6763 §9) and registered here. The first
// call waits Config.BrowseWait for answers.
func (r *Registry) ListServices(ctx context.Context) ([]discovery.Service, error) {
	return r.lookup(ctx, "")
}

// watcher is one Watch's channel.
type watcher struct {
	ch      chan discovery.Event
	filter  discovery.WatchFilter
	once    sync.Once
	dropped int
}

func (w *watcher) stop() { w.once.Do(func() { close(w.ch) }) }

// watchBuffer is how many events a watcher may fall behind by; events
// beyond it are dropped (and counted in the log when the watch ends).
const watchBuffer = 256

// Watch streams adds, updates and removes of the services filter passes
// (every service when its Service is empty) from now on, until ctx ends
// or Close. It follows those services on the link at once. A watcher that
// falls more than 256 events behind loses the newer events.
func (r *Registry) Watch(ctx context.Context, filter discovery.WatchFilter) (<-chan discovery.Event, error) {
	w := &watcher{ch: make(chan discovery.Event, watchBuffer), filter: filter}
	now := time.Now()
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, discovery.ErrClosed
	}
	if filter.Service == "" {
		r.browse.all = true
	} else {
		r.browse.follow(serviceType(filter.Service), now)
	}
	r.watchers[w] = struct{}{}
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		select {
		case <-ctx.Done():
		case <-r.ctx.Done():
		}
		r.mu.Lock()
		delete(r.watchers, w)
		w.stop()
		if w.dropped > 0 {
			r.log.Warn("mdns: a watcher fell behind; events dropped", "dropped", w.dropped)
		}
		r.mu.Unlock()
	}()
	return w.ch, nil
}
