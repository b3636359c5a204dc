package etcd

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/internal/backoff"
)

// retry is the back-off between attempts while etcd cannot be reached.
var retry = backoff.Policy{Min: 100 * time.Millisecond, Max: 5 * time.Second, Multiplier: 2, Jitter: 0.2}

// Registry is a discovery.Registry on etcd. It is safe for concurrent
// use. Make one with NewRegistry; Close it when done.
type Registry struct {
	cfg Config
	c   *client
	log *slog.Logger

	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	groups map[int64]*group // by TTL in seconds
	owner  map[string]int64 // key → the TTL of the group holding it
	closed bool

	health health
}

var _ discovery.Registry = (*Registry)(nil)

// NewRegistry returns a Registry speaking to cfg.Endpoints. It does not
// contact etcd until used.
func NewRegistry(cfg Config) *Registry {
	cfg.Endpoints = slices.Clone(cfg.Endpoints)
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("registry", "etcd")
	ctx, cancel := context.WithCancel(context.Background())
	return &Registry{
		cfg: cfg, c: newClient(cfg), log: log, ctx: ctx, cancel: cancel,
		groups: make(map[int64]*group), owner: make(map[string]int64),
		health: health{log: log, ok: true},
	}
}

// health logs one line per change between reachable and unreachable.
type health struct {
	log *slog.Logger
	mu  sync.Mutex
	ok  bool
}

func (h *health) report(what string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case err != nil && h.ok:
		h.ok = false
		h.log.Warn("etcd unreachable; retrying with back-off", "while", what, "err", err)
	case err == nil && !h.ok:
		h.ok = true
		h.log.Info("etcd reachable again", "while", what)
	}
}

// ttlSeconds rounds d up to whole seconds (etcd's lease unit).
func ttlSeconds(d time.Duration) int64 {
	if d <= 0 {
		d = DefaultTTL
	}
	return int64((d + time.Second - 1) / time.Second)
}

// Register stores each node of svc at its key (see the package docs)
// under a lease of opts.TTL (default DefaultTTL, whole seconds), renewed
// every TTL/3 until Deregister or Close. When the lease is lost (expired
// while the process was paused, or etcd lost its data) it is granted again
// and every key put again. While etcd cannot be reached, the registration
// is kept and retried with back-off; Register waits for it to be stored
// until ctx ends, then returns ctx's error wrapped with
// discovery.ErrUnavailable, the retries going on (Deregister gives up).
func (r *Registry) Register(ctx context.Context, svc discovery.Service, opts discovery.RegisterOptions) error {
	if err := svc.Validate(); err != nil {
		return err
	}
	ttl := ttlSeconds(opts.TTL)
	want := make(map[string][]byte, len(svc.Nodes))
	for _, n := range svc.Nodes {
		v, err := json.Marshal(record{Name: svc.Name, Version: svc.Version, Metadata: svc.Metadata, Node: n})
		if err != nil {
			return fmt.Errorf("%w: service %q: %v", discovery.ErrInvalid, svc.Name, err)
		}
		want[r.cfg.Key(svc.Name, svc.Version, n.ID)] = v
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return fmt.Errorf("etcd: register %q: %w", svc.Name, discovery.ErrClosed)
	}
	var waits []waiter
	for k := range want {
		// A node registered again with another TTL moves group.
		if old, ok := r.owner[k]; ok && old != ttl {
			waits = append(waits, r.groups[old].change(k, nil))
		}
	}
	g := r.groups[ttl]
	if g == nil {
		g = newGroup(ttl)
		r.groups[ttl] = g
		r.wg.Add(1)
		go r.keep(g)
	}
	for k, v := range want {
		r.owner[k] = ttl
		waits = append(waits, g.change(k, v))
	}
	r.mu.Unlock()
	for _, w := range waits {
		if err := w.wait(ctx, r.ctx); err != nil {
			return fmt.Errorf("etcd: register %q: %w", svc.Name, err)
		}
	}
	return nil
}

// Deregister deletes the keys of svc's nodes that this registry
// registered, and stops renewing them; a lease left with no key is
// revoked. It waits until etcd has deleted them or ctx ends.
func (r *Registry) Deregister(ctx context.Context, svc discovery.Service) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return fmt.Errorf("etcd: deregister %q: %w", svc.Name, discovery.ErrClosed)
	}
	var waits []waiter
	for _, n := range svc.Nodes {
		k := r.cfg.Key(svc.Name, svc.Version, n.ID)
		ttl, ok := r.owner[k]
		if !ok {
			continue
		}
		delete(r.owner, k)
		waits = append(waits, r.groups[ttl].change(k, nil))
	}
	r.mu.Unlock()
	for _, w := range waits {
		if err := w.wait(ctx, r.ctx); err != nil {
			return fmt.Errorf("etcd: deregister %q: %w", svc.Name, err)
		}
	}
	return nil
}

// GetService returns the versions of service name found in etcd, each
// with its nodes sorted by id; discovery.ErrNotFound when there is none.
func (r *Registry) GetService(ctx context.Context, name string) ([]discovery.Service, error) {
	if name == "" {
		return nil, fmt.Errorf("%w: empty service name", discovery.ErrInvalid)
	}
	svcs, _, err := r.list(ctx, r.cfg.prefix()+"/"+name+"/")
	if err != nil {
		return nil, fmt.Errorf("etcd: get service %q: %w", name, err)
	}
	if len(svcs) == 0 {
		return nil, fmt.Errorf("etcd: %q: %w", name, discovery.ErrNotFound)
	}
	return svcs, nil
}

// ListServices returns every service in etcd under the prefix, each
// version separately, sorted by name then version.
func (r *Registry) ListServices(ctx context.Context) ([]discovery.Service, error) {
	svcs, _, err := r.list(ctx, r.cfg.prefix()+"/")
	if err != nil {
		return nil, fmt.Errorf("etcd: list services: %w", err)
	}
	return svcs, nil
}

// list ranges over prefix and groups the records by service and version.
// Values that do not decode are skipped.
func (r *Registry) list(ctx context.Context, prefix string) ([]discovery.Service, int64, error) {
	recs, rev, err := r.records(ctx, prefix)
	if err != nil {
		return nil, 0, err
	}
	type sv struct{ name, version string }
	byKey := make(map[sv]*discovery.Service)
	var out []*discovery.Service
	for _, rec := range recs {
		k := sv{rec.Name, rec.Version}
		s := byKey[k]
		if s == nil {
			s = &discovery.Service{Name: rec.Name, Version: rec.Version, Metadata: rec.Metadata}
			byKey[k] = s
			out = append(out, s)
		}
		s.Nodes = append(s.Nodes, rec.Node)
	}
	svcs := make([]discovery.Service, len(out))
	for i, s := range out {
		discovery.SortNodes(s.Nodes)
		svcs[i] = *s
	}
	slices.SortFunc(svcs, func(a, b discovery.Service) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version))
	})
	return svcs, rev, nil
}

// records returns the decodable records under prefix, by key, and the
// store's revision.
func (r *Registry) records(ctx context.Context, prefix string) (map[string]record, int64, error) {
	res, err := r.c.rangePrefix(ctx, prefix)
	if err != nil {
		return nil, 0, err
	}
	recs := make(map[string]record, len(res.KVs))
	for _, kv := range res.KVs {
		rec, err := decodeRecord(string(kv.Key), kv.Value)
		if err != nil {
			continue
		}
		recs[string(kv.Key)] = rec
	}
	return recs, res.Header.Revision, nil
}

// Close stops renewing, revokes this registry's leases (which deletes
// their keys), ends every watch and waits for its goroutines.
func (r *Registry) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
	r.c.close()
	return nil
}
