package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"

	"github.com/dmicro-go/dmicro/rpc"
)

// Defaults of [Config].
const (
	// DefaultMaxHops is how many proxies a call may pass through when
	// Config.MaxHops is zero.
	DefaultMaxHops = 8
	// DefaultMaxUpstreams is how many upstream addresses a proxy keeps a
	// session to when Config.MaxUpstreams is zero.
	DefaultMaxUpstreams = 64
)

// HopsKey is the metadata key under which each proxy counts the proxies a
// call or push has passed through, so that a loop of proxies ends (see
// Config.MaxHops).
const HopsKey = "proxy-hops"

// ErrNoUpstream is the error of New for a Config that names no upstream
// (neither Addr nor Pick) or two ways of choosing one (both).
var ErrNoUpstream = errors.New("proxy: no upstream")

// ErrInstalled is returned by AfterNewEndpoint when the proxy already
// serves another endpoint: a Proxy serves one endpoint.
var ErrInstalled = errors.New("proxy: already installed in an endpoint")

// Config sets up a [Proxy]. Exactly one of Addr and Pick must be set; the
// other fields' zero values work.
type Config struct {
	// Addr is the upstream every call and push is forwarded to.
	Addr string
	// Pick chooses the upstream of each call or push, by its method,
	// metadata or session. It runs in the handler's goroutine with the
	// handler's context and must be safe for concurrent use. An empty
	// address means the message is not forwarded: a call is answered
	// CodeNotFound. An error is the caller's reply: one that carries a
	// code (a *rpc.Status, a context error) as it is, any other with
	// CodeUnavailable.
	Pick func(ctx context.Context, r Request) (addr string, err error)

	// Client is the endpoint that dials the upstreams; its Config decides
	// their network, format, TLS, filters and RedialPolicy. The proxy
	// closes the sessions it dialed when it closes, but not Client. Nil
	// means the proxy makes its own with rpc.Config{}, raw frames over TCP
	// (made on the first forward), and closes it when it closes.
	Client *rpc.Endpoint

	// Prefix limits the proxy to the methods under it ("/api" forwards
	// "/api/user/get" and not "/math/add"); a more specific fallback that
	// the application sets on a group of the router wins over it. Empty
	// means every method.
	Prefix string
	// Calls and Pushes choose what is forwarded. When both are false (the
	// zero Config), calls and pushes are.
	Calls, Pushes bool

	// RealIPKey, when not empty, is the metadata key (such as
	// "x-real-ip") under which the proxy adds the caller's IP address to
	// what it forwards, unless the caller sent one: a proxy behind
	// another keeps what the first one added, and a value a caller sends
	// itself is kept too, so trust it only as far as you trust the
	// callers. Empty means none is added.
	RealIPKey string
	// MaxHops is how many proxies a call may have passed through (counted
	// under HopsKey, which every proxy adds) before a proxy refuses it
	// with CodeInternal instead of forwarding it, so that a loop ends.
	// Zero means DefaultMaxHops; negative means no count and no HopsKey
	// pair.
	MaxHops int
	// MaxUpstreams caps the upstream addresses the proxy keeps a session
	// to. A new one takes the place of the one used longest ago that no
	// call is using; when every one is in use the call is answered
	// CodeOverloaded. Zero means DefaultMaxUpstreams; negative means no
	// cap.
	MaxUpstreams int
}

// Validate reports whether c can make a Proxy: the error wraps
// ErrNoUpstream unless exactly one of Addr and Pick is set.
func (c Config) Validate() error {
	switch {
	case c.Addr == "" && c.Pick == nil:
		return fmt.Errorf("%w: set Config.Addr or Config.Pick", ErrNoUpstream)
	case c.Addr != "" && c.Pick != nil:
		return fmt.Errorf("%w: Config.Addr and Config.Pick are both set", ErrNoUpstream)
	}
	return nil
}

// Request is what Pick sees of a call or push to forward. It is valid
// only during Pick.
type Request struct {
	// Method is the routed path, such as "/math/add".
	Method string
	// Push is true for a push, false for a call.
	Push bool
	// Meta is the metadata the caller sent; treat it as read-only.
	Meta *rpc.Metadata
	// Session is the session the message arrived on; its RemoteAddr is
	// the caller's address.
	Session *rpc.Session
}

// Proxy forwards the calls and pushes that an endpoint has no handler for
// to upstream endpoints, and their replies back.
//
// Register it with rpc.NewEndpoint: its AfterNewEndpoint hook sets the
// fallbacks of the endpoint's router (under Config.Prefix), and its
// AfterCloseEndpoint hook closes it once the endpoint has closed. Its
// ForwardCall and ForwardPush methods are the fallbacks; set them
// yourself (with Router.SetUnknownCall, on any group) to forward without
// registering the plugin, and then call Close.
//
// A Proxy is safe for concurrent use and serves one endpoint.
type Proxy struct {
	cfg     Config
	maxHops int
	hopOpts []rpc.CallOption // hopOpts[n] sets HopsKey to n
	pool    *pool
	// forwards pools the state of forwarded calls (see forward).
	forwards sync.Pool

	mu  sync.Mutex
	ep  *rpc.Endpoint // the endpoint it is installed in
	log *slog.Logger
}

var (
	_ rpc.AfterNewEndpointHook   = (*Proxy)(nil)
	_ rpc.AfterCloseEndpointHook = (*Proxy)(nil)
)

// New returns a proxy configured by cfg, or an error wrapping ErrNoUpstream.
func New(cfg Config) (*Proxy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !cfg.Calls && !cfg.Pushes {
		cfg.Calls, cfg.Pushes = true, true
	}
	p := &Proxy{cfg: cfg, maxHops: cfg.MaxHops, log: slog.New(slog.DiscardHandler)}
	p.forwards.New = newForward
	if p.maxHops == 0 {
		p.maxHops = DefaultMaxHops
	}
	for n := range min(p.maxHops, 64) + 1 {
		p.hopOpts = append(p.hopOpts, rpc.WithMeta(HopsKey, strconv.Itoa(n)))
	}
	maxUp := cfg.MaxUpstreams
	if maxUp == 0 {
		maxUp = DefaultMaxUpstreams
	}
	p.pool = newPool(cfg.Client, maxUp, p.logger)
	return p, nil
}

// Name returns "proxy", followed by the prefix when Config.Prefix is set,
// so that proxies of different prefixes can serve one endpoint.
func (p *Proxy) Name() string {
	if p.cfg.Prefix == "" {
		return "proxy"
	}
	return "proxy " + p.cfg.Prefix
}

// AfterNewEndpoint sets the proxy's fallbacks on e's router (under
// Config.Prefix). It fails, and with it NewEndpoint, when the proxy
// already serves an endpoint (ErrInstalled) or the router already has a
// fallback for that prefix; a fallback the application sets later for the
// same prefix fails likewise, with rpc's error.
func (p *Proxy) AfterNewEndpoint(e *rpc.Endpoint) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ep != nil {
		return ErrInstalled
	}
	r := e.Router()
	if p.cfg.Prefix != "" {
		var err error
		if r, err = r.Group(p.cfg.Prefix); err != nil {
			return fmt.Errorf("proxy: prefix %s: %w", p.cfg.Prefix, err)
		}
	}
	if p.cfg.Calls {
		if err := r.SetUnknownCall(p.ForwardCall); err != nil {
			return fmt.Errorf("proxy: forward calls under %q: %w", p.cfg.Prefix+"/", err)
		}
	}
	if p.cfg.Pushes {
		if err := r.SetUnknownPush(p.ForwardPush); err != nil {
			return fmt.Errorf("proxy: forward pushes under %q: %w", p.cfg.Prefix+"/", err)
		}
	}
	p.ep, p.log = e, e.Logger()
	return nil
}

// AfterCloseEndpoint closes the proxy once its endpoint has closed (after
// Shutdown let the forwarded calls finish).
func (p *Proxy) AfterCloseEndpoint(e *rpc.Endpoint, _ error) error {
	p.mu.Lock()
	mine := p.ep == e
	p.mu.Unlock()
	if !mine {
		return nil
	}
	return p.Close()
}

// Close closes the sessions the proxy dialed, and its own client endpoint
// if it made one. Calls forwarded after it fail with CodeUnavailable. It
// may be called more than once.
func (p *Proxy) Close() error {
	return p.pool.close()
}

// logger returns the logger of the endpoint the proxy serves, or a silent one.
func (p *Proxy) logger() *slog.Logger {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log
}
