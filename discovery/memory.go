package discovery

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// DefaultWatchBuffer is how many events a watcher of a [Memory] may have
// waiting before it is cut off, when [MemoryConfig.WatchBuffer] is zero.
const DefaultWatchBuffer = 256

// MemoryConfig tunes a [Memory]; the zero value works.
type MemoryConfig struct {
	// WatchBuffer is how many undelivered events each watcher may hold;
	// zero means DefaultWatchBuffer. A watcher whose buffer is full when
	// an event arrives is cut off: its channel is closed (see [Memory.Watch]).
	WatchBuffer int
}

// Memory is a [Registry] held in the process: the embedded default, shared
// by every endpoint of one process that is given it, and a test double for
// the networked registries. No goroutine runs behind it.
//
// A registration lives until Deregister or Close: nothing in the process
// can stop renewing it, so [RegisterOptions.TTL] has no meaning here and is
// ignored (a test that needs a node to vanish deregisters it).
//
// Memory is safe for concurrent use.
type Memory struct {
	buf int

	mu       sync.Mutex
	closed   bool
	services map[string]map[string]*Service // name → version → service, nodes sorted by id
	watchers map[*memWatcher]struct{}
}

type memWatcher struct {
	filter WatchFilter
	ch     chan Event
	stop   func() bool // stops the context.AfterFunc that ends the watch
}

var _ Registry = (*Memory)(nil)

// NewMemory returns an empty in-process registry.
func NewMemory(cfg MemoryConfig) *Memory {
	buf := cfg.WatchBuffer
	if buf <= 0 {
		buf = DefaultWatchBuffer
	}
	return &Memory{
		buf:      buf,
		services: make(map[string]map[string]*Service),
		watchers: make(map[*memWatcher]struct{}),
	}
}

// Register adds svc's nodes to the service of the same name and version,
// or replaces the nodes of the same ids, and sets the service's metadata
// to svc's. Watchers see an EventAdd per new node and an EventUpdate per
// node that changed (its address, metadata or weight, or the service's
// metadata); re-registering what is there already reports nothing.
// opts.TTL is ignored (see [Memory]).
func (m *Memory) Register(ctx context.Context, svc Service, _ RegisterOptions) error {
	if err := svc.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("discovery: register %q: %w", svc.Name, err)
	}
	svc = svc.Clone()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("discovery: register %q: %w", svc.Name, ErrClosed)
	}
	versions := m.services[svc.Name]
	if versions == nil {
		versions = make(map[string]*Service)
		m.services[svc.Name] = versions
	}
	cur := versions[svc.Version]
	if cur == nil {
		cur = &Service{Name: svc.Name, Version: svc.Version}
		versions[svc.Version] = cur
	}
	metaChanged := !maps.Equal(cur.Metadata, svc.Metadata)
	cur.Metadata = svc.Metadata
	for _, n := range svc.Nodes {
		i, found := slices.BinarySearchFunc(cur.Nodes, n.ID, byID)
		switch {
		case !found:
			cur.Nodes = slices.Insert(cur.Nodes, i, n)
			m.notify(EventAdd, cur, n)
		case metaChanged || !sameNode(cur.Nodes[i], n):
			cur.Nodes[i] = n
			m.notify(EventUpdate, cur, n)
		}
	}
	return nil
}

// Deregister removes svc's nodes (matched by id within svc's name and
// version); the service goes away with its last node. Removing what is not
// there is not an error. Watchers see an EventRemove per removed node.
func (m *Memory) Deregister(ctx context.Context, svc Service) error {
	if svc.Name == "" {
		return fmt.Errorf("%w: deregister: no service name", ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("discovery: deregister %q: %w", svc.Name, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("discovery: deregister %q: %w", svc.Name, ErrClosed)
	}
	cur := m.services[svc.Name][svc.Version]
	if cur == nil {
		return nil
	}
	for _, n := range svc.Nodes {
		i, found := slices.BinarySearchFunc(cur.Nodes, n.ID, byID)
		if !found {
			continue
		}
		gone := cur.Nodes[i]
		cur.Nodes = slices.Delete(cur.Nodes, i, i+1)
		m.notify(EventRemove, cur, gone)
	}
	if len(cur.Nodes) == 0 {
		delete(m.services[svc.Name], svc.Version)
		if len(m.services[svc.Name]) == 0 {
			delete(m.services, svc.Name)
		}
	}
	return nil
}

// GetService returns deep copies of every version of the service name
// (sorted by version, nodes by id): the caller may change them freely.
// With no such service the error wraps ErrNotFound.
func (m *Memory) GetService(ctx context.Context, name string) ([]Service, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("discovery: get service %q: %w", name, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, fmt.Errorf("discovery: get service %q: %w", name, ErrClosed)
	}
	versions := m.services[name]
	if len(versions) == 0 {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	return cloneVersions(versions), nil
}

// ListServices returns deep copies of every service, sorted by name and
// then version.
func (m *Memory) ListServices(ctx context.Context) ([]Service, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("discovery: list services: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, fmt.Errorf("discovery: list services: %w", ErrClosed)
	}
	var out []Service
	for _, name := range slices.Sorted(maps.Keys(m.services)) {
		out = append(out, cloneVersions(m.services[name])...)
	}
	return out, nil
}

func cloneVersions(versions map[string]*Service) []Service {
	out := make([]Service, 0, len(versions))
	for _, v := range slices.Sorted(maps.Keys(versions)) {
		out = append(out, versions[v].Clone())
	}
	return out
}

// Watch reports the changes that pass filter from now on. The channel is
// closed when ctx ends, when the registry closes, or when the watcher falls
// behind: a watcher that still holds [MemoryConfig.WatchBuffer] undelivered
// events when one more arrives is cut off rather than allowed to block
// Register or to miss events silently. A watcher that finds its channel
// closed while neither its context ended nor the registry closed has
// missed events: it reads GetService again and watches anew (the [Cache]
// does this).
func (m *Memory) Watch(ctx context.Context, filter WatchFilter) (<-chan Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("discovery: watch: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, fmt.Errorf("discovery: watch: %w", ErrClosed)
	}
	w := &memWatcher{filter: filter, ch: make(chan Event, m.buf)}
	m.watchers[w] = struct{}{}
	w.stop = context.AfterFunc(ctx, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.dropWatcher(w)
	})
	return w.ch, nil
}

// Close removes every registration without reporting it, closes every
// watch and makes every later call fail with ErrClosed. It returns nil,
// also when called again.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	for w := range m.watchers {
		m.dropWatcher(w)
	}
	m.services = nil
	return nil
}

// notify sends one event to each watcher it concerns, with m.mu held; a
// watcher whose buffer is full is cut off.
func (m *Memory) notify(t EventType, svc *Service, n Node) {
	ev := Event{Type: t, Service: Service{Name: svc.Name, Version: svc.Version, Metadata: svc.Metadata, Nodes: []Node{n}}}
	for w := range m.watchers {
		if !w.filter.Match(svc.Name) {
			continue
		}
		select {
		case w.ch <- ev.clone():
		default:
			m.dropWatcher(w)
		}
	}
}

// dropWatcher ends w's watch, with m.mu held.
func (m *Memory) dropWatcher(w *memWatcher) {
	if _, ok := m.watchers[w]; !ok {
		return
	}
	delete(m.watchers, w)
	w.stop()
	close(w.ch)
}

// clone returns a deep copy of e, so that no two watchers share a map.
func (e Event) clone() Event {
	e.Service = e.Service.Clone()
	return e
}

func sameNode(a, b Node) bool {
	return a.ID == b.ID && a.Address == b.Address && a.Weight == b.Weight && maps.Equal(a.Metadata, b.Metadata)
}
