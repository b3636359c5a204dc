package rpcdisc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/rpc"
)

// DefaultTimeout bounds each registration and deregistration when
// ServiceConfig.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// ServiceConfig describes the service an endpoint registers itself as.
// Name is required; the rest may be left zero.
type ServiceConfig struct {
	// Name is the service's name, the one clients call it by.
	Name string
	// Version is the service's version; empty is a version like any other.
	Version string
	// Metadata is the service's metadata (the same for every node).
	Metadata map[string]string
	// NodeMetadata is each node's own metadata (a zone, a format).
	NodeMetadata map[string]string
	// Weight is each node's weight for weighted strategies; zero means 1.
	Weight int
	// NodeID names the node of the first listener; the n-th listener after
	// it gets NodeID + "-" + n+1. Empty means the advertised address
	// ("host:port"), unique per listener.
	NodeID string
	// Advertise is the address clients dial: "host:port", or a host alone
	// to take each listener's port. Empty means each listener's own
	// address, where an unspecified host (0.0.0.0 or [::], a listener on
	// every interface) is replaced by the first global unicast address of
	// the machine's interfaces (IPv4 first), or by the loopback address
	// when there is none. Set it behind NAT or in a container.
	Advertise string
	// TTL is the registration's time to live for registries that expire
	// registrations (etcd's lease, mDNS record TTLs); zero means the
	// registry's default.
	TTL time.Duration
	// Timeout bounds each Register and Deregister; zero means
	// DefaultTimeout.
	Timeout time.Duration
}

// Register returns a plugin that registers an endpoint in reg as a node of
// the service svc describes, once per listener, and deregisters it when the
// endpoint shuts down or closes. Give it to rpc.NewEndpoint; a plugin
// serves one endpoint.
//
// Registration is synchronous: when Serve starts on a listener, the
// AfterListen hook registers its node within svc.Timeout, and an error (no
// name, the registry refusing or unreachable) closes the listener and is
// returned by Serve, so that a server nobody can find fails loudly instead
// of serving in silence. Registries that renew registrations (etcd) keep
// doing so by themselves from then on.
//
// Deregistration comes first in Shutdown and Close (BeforeCloseEndpoint),
// before Shutdown sends its go-away, so that clients stop picking the node
// while it still answers the calls they have in flight. Its failure is
// logged, never returned: it must not keep the endpoint from shutting
// down; a registry with TTLs drops the node when its TTL runs out.
func Register(reg discovery.Registry, svc ServiceConfig) rpc.Plugin {
	if svc.Timeout <= 0 {
		svc.Timeout = DefaultTimeout
	}
	return &registrar{reg: reg, svc: svc, log: slog.New(slog.DiscardHandler)}
}

type registrar struct {
	reg discovery.Registry
	svc ServiceConfig

	mu     sync.Mutex // held through each registration, so that closing waits for it
	ep     *rpc.Endpoint
	log    *slog.Logger
	nodes  []discovery.Node // registered
	closed bool
}

func (r *registrar) Name() string { return "rpcdisc" }

// AfterNewEndpoint ties the plugin to its endpoint and its logger.
func (r *registrar) AfterNewEndpoint(e *rpc.Endpoint) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ep != nil {
		return errors.New("rpcdisc: the Register plugin already serves an endpoint")
	}
	r.ep, r.log = e, e.Logger().With("service", r.svc.Name)
	return nil
}

// AfterListen registers the listener's node.
func (r *registrar) AfterListen(addr net.Addr) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return fmt.Errorf("rpcdisc: register %q: endpoint closing", r.svc.Name)
	}
	if r.reg == nil {
		return fmt.Errorf("rpcdisc: register %q: nil registry", r.svc.Name)
	}
	address, err := advertise(r.svc.Advertise, addr)
	if err != nil {
		return fmt.Errorf("rpcdisc: register %q: %w", r.svc.Name, err)
	}
	id := address
	if r.svc.NodeID != "" {
		id = r.svc.NodeID
		if len(r.nodes) > 0 {
			id += "-" + strconv.Itoa(len(r.nodes)+1)
		}
	}
	for _, n := range r.nodes {
		if n.ID == id {
			return fmt.Errorf("rpcdisc: register %q: %w: node %s registered already (set Advertise to a host alone with several listeners)", r.svc.Name, discovery.ErrInvalid, id)
		}
	}
	node := discovery.Node{ID: id, Address: address, Metadata: maps.Clone(r.svc.NodeMetadata), Weight: r.svc.Weight}
	ctx, cancel := context.WithTimeout(context.Background(), r.svc.Timeout)
	defer cancel()
	if err := r.reg.Register(ctx, r.service(node), discovery.RegisterOptions{TTL: r.svc.TTL}); err != nil {
		return fmt.Errorf("rpcdisc: register %q node %s at %s: %w", r.svc.Name, id, address, err)
	}
	r.nodes = append(r.nodes, node)
	r.log.Info("rpcdisc: registered", "node", id, "addr", address)
	return nil
}

// BeforeCloseEndpoint deregisters every node, before the endpoint says
// going away.
func (r *registrar) BeforeCloseEndpoint(*rpc.Endpoint) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if len(r.nodes) == 0 {
		return nil
	}
	svc := r.service(r.nodes...)
	r.nodes = nil
	ctx, cancel := context.WithTimeout(context.Background(), r.svc.Timeout)
	defer cancel()
	if err := r.reg.Deregister(ctx, svc); err != nil {
		r.log.Warn("rpcdisc: deregister failed; the registry keeps the nodes until their TTL", "err", err)
		return nil
	}
	r.log.Info("rpcdisc: deregistered", "nodes", len(svc.Nodes))
	return nil
}

func (r *registrar) service(nodes ...discovery.Node) discovery.Service {
	return discovery.Service{
		Name:     r.svc.Name,
		Version:  r.svc.Version,
		Metadata: maps.Clone(r.svc.Metadata),
		Nodes:    nodes,
	}
}
