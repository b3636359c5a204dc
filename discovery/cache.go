package discovery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dmicro-go/dmicro/internal/backoff"
)

// Defaults of [CacheConfig].
const (
	DefaultStaleTTL = time.Minute
	DefaultRetryMin = 100 * time.Millisecond
	DefaultRetryMax = 10 * time.Second
)

// CacheConfig tunes a [Cache]; the zero value works.
type CacheConfig struct {
	// StaleTTL is how long the last good answer is served once the
	// backend cannot be reached (its watch ended and cannot be restarted,
	// or a read fails); past it, reads try the backend and fail with an
	// error wrapping ErrUnavailable. Zero means DefaultStaleTTL (1 min).
	StaleTTL time.Duration
	// RetryMin and RetryMax bound the back-off between attempts to watch
	// the backend again; zero means DefaultRetryMin (100 ms) and
	// DefaultRetryMax (10 s).
	RetryMin, RetryMax time.Duration
	// Logger receives one line per change of state (following the backend,
	// lost it); nil means silence.
	Logger *slog.Logger
	// Now is the clock for StaleTTL; nil means time.Now. Tests set it.
	Now func() time.Time
}

// Cache is a [Registry] that serves GetService and ListServices from
// memory: the first read of a service asks the backend, and one Watch of
// the backend (started by the first read, restarted with back-off when it
// ends) keeps every answer current. Register, Deregister and Watch go to
// the backend unchanged.
//
// While the backend cannot be reached the cache keeps serving the last
// good answers for StaleTTL, counted from when they were last known good;
// then reads ask the backend again and fail with an error wrapping
// ErrUnavailable (and the backend's error) until it answers.
//
// The slices GetService and ListServices return are shared with the cache
// and with other callers: read them, never modify them (Service.Clone
// gives a copy to change). A read served from memory allocates nothing.
// An answer that a service does not exist is cached too, so the cache
// holds an entry per name ever asked for.
//
// Cache is safe for concurrent use. Close stops its watch; the backend
// stays open and is the caller's to close.
type Cache struct {
	backend  Registry
	staleTTL time.Duration
	retry    backoff.Policy
	log      *slog.Logger
	now      func() time.Time

	ctx    context.Context // ends at Close; bounds the watch goroutine
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.RWMutex
	closed    bool
	following bool      // the watch goroutine was started
	up        bool      // the watch follows the backend
	lost      bool      // the last state logged was "lost"
	downSince time.Time // when the watch stopped following
	entries   map[string]*cacheEntry
	listed    bool          // every service is in entries (ListServices ran)
	listedAt  time.Time     // when ListServices last answered
	listing   chan struct{} // non-nil while ListServices asks the backend
	listPend  []Event       // events seen meanwhile
}

// cacheEntry is what the cache knows of one service name.
type cacheEntry struct {
	services []Service     // immutable once stored; nil: not found
	filled   time.Time     // when the backend last answered for it
	loading  chan struct{} // non-nil while the backend is asked; closed when done
	pending  []Event       // events seen while loading, applied on top of the answer
	known    bool          // the backend answered at least once
}

var _ Registry = (*Cache)(nil)

// NewCache returns a cache in front of backend. It starts no goroutine
// until the first read.
func NewCache(backend Registry, cfg CacheConfig) *Cache {
	c := &Cache{
		backend:  backend,
		staleTTL: cfg.StaleTTL,
		log:      cfg.Logger,
		now:      cfg.Now,
		entries:  make(map[string]*cacheEntry),
	}
	if c.staleTTL <= 0 {
		c.staleTTL = DefaultStaleTTL
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	lo, hi := cfg.RetryMin, cfg.RetryMax
	if lo <= 0 {
		lo = DefaultRetryMin
	}
	if hi <= 0 {
		hi = DefaultRetryMax
	}
	c.retry = backoff.Policy{Min: lo, Max: max(lo, hi), Multiplier: 2, Jitter: 0.2}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c
}

// Register passes through to the backend.
func (c *Cache) Register(ctx context.Context, svc Service, opts RegisterOptions) error {
	return c.backend.Register(ctx, svc, opts)
}

// Deregister passes through to the backend.
func (c *Cache) Deregister(ctx context.Context, svc Service) error {
	return c.backend.Deregister(ctx, svc)
}

// Watch passes through to the backend.
func (c *Cache) Watch(ctx context.Context, filter WatchFilter) (<-chan Event, error) {
	return c.backend.Watch(ctx, filter)
}

// fresh reports whether an answer last known good at t may be served, with
// c.mu held.
func (c *Cache) fresh(t time.Time) bool {
	if c.up {
		return true
	}
	if c.downSince.After(t) {
		t = c.downSince
	}
	return c.now().Sub(t) <= c.staleTTL
}

// GetService returns the versions of the service name from memory, asking
// the backend on the first read and when the last good answer is older
// than StaleTTL while the backend is lost. The slice is shared: read only.
func (c *Cache) GetService(ctx context.Context, name string) ([]Service, error) {
	c.mu.RLock()
	if e := c.entries[name]; !c.closed && e != nil && e.loading == nil && c.fresh(e.filled) {
		svcs := e.services
		c.mu.RUnlock()
		if svcs == nil {
			return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
		}
		return svcs, nil
	}
	c.mu.RUnlock()
	return c.load(ctx, name)
}

// load asks the backend for name, once for every concurrent caller.
func (c *Cache) load(ctx context.Context, name string) ([]Service, error) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, fmt.Errorf("discovery: cache: get service %q: %w", name, ErrClosed)
		}
		c.follow()
		e := c.entries[name]
		if e != nil && e.loading != nil { // someone asks already: wait for the answer
			wait := e.loading
			c.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, fmt.Errorf("discovery: cache: get service %q: %w", name, ctx.Err())
			}
		}
		if e != nil && c.fresh(e.filled) {
			svcs := e.services
			c.mu.Unlock()
			if svcs == nil {
				return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
			}
			return svcs, nil
		}
		if e == nil {
			e = &cacheEntry{}
			c.entries[name] = e
		}
		done := make(chan struct{})
		e.loading = done
		c.mu.Unlock()

		svcs, err := c.backend.GetService(ctx, name)

		c.mu.Lock()
		defer c.mu.Unlock()
		defer close(done)
		e.loading = nil
		pending := e.pending
		e.pending = nil
		switch {
		case err == nil:
			e.services = ownCopy(svcs)
		case errors.Is(err, ErrNotFound):
			e.services = nil
		default:
			if !e.known {
				delete(c.entries, name)
			}
			return nil, fmt.Errorf("discovery: cache: get service %q: %w: %w", name, ErrUnavailable, err)
		}
		e.known = true
		e.filled = c.now()
		for _, ev := range pending {
			e.services = applyEvent(e.services, ev)
		}
		if e.services == nil {
			return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
		}
		return e.services, nil
	}
}

// ListServices returns every service from memory, sorted by name and
// version, asking the backend on the first call and when its last good
// answer is older than StaleTTL while the backend is lost. The Service
// values share their nodes with the cache: read only.
func (c *Cache) ListServices(ctx context.Context) ([]Service, error) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, fmt.Errorf("discovery: cache: list services: %w", ErrClosed)
		}
		c.follow()
		if wait := c.listing; wait != nil {
			c.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, fmt.Errorf("discovery: cache: list services: %w", ctx.Err())
			}
		}
		if c.listed && c.fresh(c.listedAt) {
			out := c.listLocked()
			c.mu.Unlock()
			return out, nil
		}
		done := make(chan struct{})
		c.listing = done
		c.mu.Unlock()

		all, err := c.backend.ListServices(ctx)

		c.mu.Lock()
		defer c.mu.Unlock()
		defer close(done)
		c.listing = nil
		pending := c.listPend
		c.listPend = nil
		if err != nil {
			return nil, fmt.Errorf("discovery: cache: list services: %w: %w", ErrUnavailable, err)
		}
		c.storeList(all)
		for _, ev := range pending {
			c.applyLocked(ev)
		}
		return c.listLocked(), nil
	}
}

// storeList replaces every entry not being loaded by the backend's full
// answer, with c.mu held.
func (c *Cache) storeList(all []Service) {
	now := c.now()
	byName := map[string][]Service{}
	for _, s := range ownCopy(all) {
		byName[s.Name] = append(byName[s.Name], s)
	}
	for name, e := range c.entries {
		if e.loading == nil && byName[name] == nil {
			e.services, e.filled, e.known = nil, now, true
		}
	}
	for name, svcs := range byName {
		e := c.entries[name]
		if e == nil {
			e = &cacheEntry{}
			c.entries[name] = e
		}
		if e.loading == nil {
			e.services, e.filled, e.known = svcs, now, true
		}
	}
	c.listed, c.listedAt = true, now
}

func (c *Cache) listLocked() []Service {
	var out []Service
	for _, name := range slices.Sorted(maps.Keys(c.entries)) {
		out = append(out, c.entries[name].services...)
	}
	return out
}

// applyLocked applies one event from the backend's watch, with c.mu held.
func (c *Cache) applyLocked(ev Event) {
	if c.listing != nil {
		c.listPend = append(c.listPend, ev)
	}
	name := ev.Service.Name
	e := c.entries[name]
	if e == nil {
		if !c.listed {
			return // nobody asked for it
		}
		e = &cacheEntry{known: true, filled: c.now()}
		c.entries[name] = e
	}
	if e.loading != nil {
		e.pending = append(e.pending, ev)
		return
	}
	e.services = applyEvent(e.services, ev)
}

// applyEvent returns svcs with ev applied, leaving svcs unchanged (it is
// shared with readers).
func applyEvent(svcs []Service, ev Event) []Service {
	if len(ev.Service.Nodes) == 0 {
		return svcs
	}
	ev.Service = ev.Service.Clone()
	n := ev.Node()
	v := slices.IndexFunc(svcs, func(s Service) bool { return s.Version == ev.Service.Version })
	if ev.Type == EventRemove {
		if v < 0 {
			return svcs
		}
		i, found := slices.BinarySearchFunc(svcs[v].Nodes, n.ID, byID)
		if !found {
			return svcs
		}
		out := slices.Clone(svcs)
		if len(svcs[v].Nodes) == 1 {
			out = slices.Delete(out, v, v+1)
			if len(out) == 0 {
				return nil
			}
			return out
		}
		out[v].Nodes = slices.Delete(slices.Clone(svcs[v].Nodes), i, i+1)
		return out
	}
	out := slices.Clone(svcs)
	if v < 0 {
		s := ev.Service
		out = append(out, s)
		slices.SortFunc(out, func(a, b Service) int { return strings.Compare(a.Version, b.Version) })
		return out
	}
	s := &out[v]
	s.Metadata = ev.Service.Metadata
	i, found := slices.BinarySearchFunc(s.Nodes, n.ID, byID)
	if found {
		s.Nodes = slices.Clone(s.Nodes)
		s.Nodes[i] = n
	} else {
		s.Nodes = slices.Insert(slices.Clone(s.Nodes), i, n)
	}
	return out
}

func byID(n Node, id string) int { return strings.Compare(n.ID, id) }

// ownCopy returns a deep copy of svcs sorted by name and version, nodes by
// id.
func ownCopy(svcs []Service) []Service {
	if len(svcs) == 0 {
		return nil
	}
	out := make([]Service, len(svcs))
	for i, s := range svcs {
		out[i] = s.Clone()
		SortNodes(out[i].Nodes)
	}
	slices.SortFunc(out, func(a, b Service) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Version, b.Version)
	})
	return out
}

// follow starts the goroutine that watches the backend, once, with c.mu
// held.
func (c *Cache) follow() {
	if c.following {
		return
	}
	c.following = true
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.run()
	}()
}

// run watches the backend until Close: watch, then read again what the
// cache holds (events missed while not watching), then apply each event;
// when the watch ends or fails, try again after a back-off.
func (c *Cache) run() {
	for attempt := 0; ; {
		err := c.watchOnce()
		if c.ctx.Err() != nil {
			return
		}
		c.setDown(err)
		attempt++
		t := time.NewTimer(c.retry.Delay(attempt))
		select {
		case <-c.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if err == nil {
			attempt = 0 // the watch had worked: start the back-off afresh
		}
	}
}

// watchOnce follows one watch of the backend until it ends; it returns nil
// when the watch had been established, else why it could not be.
func (c *Cache) watchOnce() error {
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	ch, err := c.backend.Watch(ctx, WatchFilter{})
	if err != nil {
		return err
	}
	if err := c.refresh(ctx); err != nil {
		return err
	}
	c.setUp()
	for ev := range ch {
		c.mu.Lock()
		c.applyLocked(ev)
		c.mu.Unlock()
	}
	return nil
}

// refresh reads again from the backend every answer the cache holds.
func (c *Cache) refresh(ctx context.Context) error {
	c.mu.RLock()
	listed := c.listed
	names := slices.Collect(maps.Keys(c.entries))
	c.mu.RUnlock()
	if listed {
		all, err := c.backend.ListServices(ctx)
		if err != nil {
			return err
		}
		c.mu.Lock()
		c.storeList(all)
		c.mu.Unlock()
		return nil
	}
	for _, name := range names {
		svcs, err := c.backend.GetService(ctx, name)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		svcs = ownCopy(svcs)
		c.mu.Lock()
		if e := c.entries[name]; e != nil && e.loading == nil {
			e.services, e.filled, e.known = svcs, c.now(), true
		}
		c.mu.Unlock()
	}
	return nil
}

func (c *Cache) setUp() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.up = true
	if c.lost {
		c.lost = false
		c.log.Info("discovery cache: following the backend again")
	}
}

// setDown records that the watch stopped following the backend; err is
// why, or nil when the watch ended.
func (c *Cache) setDown(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.up || c.downSince.IsZero() {
		c.downSince = c.now()
	}
	c.up = false
	if !c.lost {
		c.lost = true
		if err == nil {
			err = errors.New("watch ended")
		}
		c.log.Warn("discovery cache: lost the backend; serving the last good answers", "err", err, "stale_ttl", c.staleTTL)
	}
}

// Close stops following the backend and makes every later read fail with
// ErrClosed; writes and Watch still reach the backend, which stays open.
// It waits for the watch goroutine and returns nil, also when called again.
func (c *Cache) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
	return nil
}
