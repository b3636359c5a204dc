package discovery

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Errors a Registry returns, wrapped with what they concern.
var (
	// ErrNotFound: no service of that name is registered.
	ErrNotFound = errors.New("discovery: service not found")
	// ErrInvalid: a Service or Node that cannot be registered (no name, no
	// node, no address, a duplicate node id, metadata a backend cannot
	// carry).
	ErrInvalid = errors.New("discovery: invalid service")
	// ErrClosed: the registry was closed.
	ErrClosed = errors.New("discovery: registry closed")
	// ErrUnavailable: the backend cannot be reached now (the cache wrapper
	// keeps serving its last good answer meanwhile).
	ErrUnavailable = errors.New("discovery: backend unavailable")
)

// Node is one instance of a service: where to dial it.
type Node struct {
	// ID names the node within its service; unique per service.
	ID string `json:"id"`
	// Address is what a client dials: "host:port".
	Address string `json:"address"`
	// Metadata is free-form: a transport, a zone, a format.
	Metadata map[string]string `json:"metadata,omitempty"`
	// Weight is the node's share for weighted selectors; zero means 1.
	Weight int `json:"weight,omitempty"`
}

// Service is a named, versioned set of nodes.
type Service struct {
	Name     string            `json:"name"`
	Version  string            `json:"version,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
	Nodes    []Node            `json:"nodes"`
}

// Clone returns a deep copy of s, sharing nothing with it.
func (s Service) Clone() Service {
	c := s
	c.Metadata = maps.Clone(s.Metadata)
	c.Nodes = make([]Node, len(s.Nodes))
	for i, n := range s.Nodes {
		n.Metadata = maps.Clone(n.Metadata)
		c.Nodes[i] = n
	}
	return c
}

// Validate reports why s cannot be registered, as an error wrapping
// ErrInvalid, or nil.
func (s Service) Validate() error {
	if s.Name == "" || strings.ContainsAny(s.Name, "/\x00") {
		return fmt.Errorf("%w: service name %q (not empty, no '/')", ErrInvalid, s.Name)
	}
	if len(s.Nodes) == 0 {
		return fmt.Errorf("%w: service %q has no node", ErrInvalid, s.Name)
	}
	seen := make(map[string]bool, len(s.Nodes))
	for _, n := range s.Nodes {
		if n.ID == "" || strings.ContainsAny(n.ID, "/\x00") {
			return fmt.Errorf("%w: service %q: node id %q (not empty, no '/')", ErrInvalid, s.Name, n.ID)
		}
		if seen[n.ID] {
			return fmt.Errorf("%w: service %q: node id %q given twice", ErrInvalid, s.Name, n.ID)
		}
		seen[n.ID] = true
		if n.Address == "" {
			return fmt.Errorf("%w: service %q: node %q has no address", ErrInvalid, s.Name, n.ID)
		}
		if n.Weight < 0 {
			return fmt.Errorf("%w: service %q: node %q has weight %d", ErrInvalid, s.Name, n.ID, n.Weight)
		}
	}
	return nil
}

// RegisterOptions tune one registration.
type RegisterOptions struct {
	// TTL is how long the registration lives without being renewed, for
	// backends that expire registrations (etcd's lease, mDNS record TTLs).
	// The backend renews it while the registration stands; a process that
	// dies without deregistering disappears after it. Zero means the
	// backend's default (each documents it).
	TTL time.Duration
}

// EventType says what happened to a node.
type EventType int

// The events of Watch.
const (
	EventAdd    EventType = iota + 1 // a node appeared
	EventUpdate                      // a node's address, metadata or weight changed
	EventRemove                      // a node went away (deregistered or expired)
)

func (t EventType) String() string {
	switch t {
	case EventAdd:
		return "add"
	case EventUpdate:
		return "update"
	case EventRemove:
		return "remove"
	}
	return fmt.Sprintf("EventType(%d)", int(t))
}

// Event is one change seen by Watch: Service carries the service's name,
// version and metadata, and exactly one node, the one that changed (for
// EventRemove, as it was last known).
type Event struct {
	Type    EventType
	Service Service
}

// Node returns the node the event is about.
func (e Event) Node() Node {
	if len(e.Service.Nodes) == 0 {
		return Node{}
	}
	return e.Service.Nodes[0]
}

// WatchFilter chooses what Watch reports; the zero value reports every
// service.
type WatchFilter struct {
	// Service, when not empty, limits the events to that service name.
	Service string
}

// Match reports whether the filter lets an event about service name pass.
func (f WatchFilter) Match(name string) bool { return f.Service == "" || f.Service == name }

// Registry is where services are registered and found. Implementations
// are safe for concurrent use; every blocking method takes a context
// first.
type Registry interface {
	// Register adds svc's nodes (or replaces nodes of the same ids) and
	// keeps them registered, renewing them as the backend needs, until
	// Deregister or Close.
	Register(ctx context.Context, svc Service, opts RegisterOptions) error
	// Deregister removes svc's nodes (by id); the service disappears with
	// its last node.
	Deregister(ctx context.Context, svc Service) error
	// GetService returns the registered versions of the service name, each
	// with its nodes; ErrNotFound when there is none.
	GetService(ctx context.Context, name string) ([]Service, error)
	// ListServices returns every service, each version separately.
	ListServices(ctx context.Context) ([]Service, error)
	// Watch streams the changes that pass filter from now on, until ctx
	// ends or the registry closes (then the channel is closed). A watcher
	// that falls behind is not allowed to block the registry: see each
	// implementation for what it drops.
	Watch(ctx context.Context, filter WatchFilter) (<-chan Event, error)
	// Close stops renewing, deregisters what this registry registered
	// where the backend allows, ends every watch, and releases resources.
	Close() error
}

// SortNodes sorts nodes by id, the order every Registry returns them in.
func SortNodes(nodes []Node) {
	slices.SortFunc(nodes, func(a, b Node) int { return strings.Compare(a.ID, b.ID) })
}
