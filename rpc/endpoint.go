package rpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dmicro-go/dmicro/codec"
	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
	"github.com/dmicro-go/dmicro/transport"
)

// Endpoint is a server and a client at once: it listens and accepts, dials,
// and routes the calls and pushes that arrive on any of its sessions to its
// handlers, whichever side dialed.
//
// An Endpoint is safe for concurrent use. Make one with [NewEndpoint].
type Endpoint struct {
	cfg          Config
	plugins      *pluginSet
	router       *Router
	codecs       *codec.Set
	defaultCodec codec.Codec
	format       wire.Format
	formats      []wire.Format // served on one port when two or more
	filters      *filterSet
	transport    transport.Transport
	log          *slog.Logger
	limit        *limiter
	peers        peerTable    // accepted connections and fair shares, per peer
	budget       *wire.Budget // the memory frames and their decoded bodies hold; see Config.MemoryBudget
	metaLimits   wire.MetadataLimits
	hub          hub
	peerLogs     logRate    // lines a peer can cause; see logPeer
	workers      workerPool // the goroutines handlers run on
	invoke       InvokeFunc // the call interceptors' chain; nil without any

	ctx    context.Context // ends when the endpoint is closed
	cancel context.CancelFunc
	owner  owner // starts the goroutines the endpoint owns; see owner.go

	epoch        time.Time     // when the endpoint was made; see now
	quickRun     atomic.Int64  // inlineQuick in ns; tests lengthen it (see inline.go)
	bytesRead    atomic.Uint64 // see Stats
	bytesWritten atomic.Uint64

	closing   atomic.Bool // Shutdown or Close began: no new sessions, no redials
	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	noConns   chan struct{} // closed when conns becomes empty; made by waitNoConns
	closeOnce sync.Once
	closeErr  error
}

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown or Close.
var ErrServerClosed = errors.New("rpc: server closed")

// NewEndpoint makes an endpoint from cfg with the plugins, which run in the
// order given. It runs the BeforeNewEndpoint hooks (which may change the
// config), checks the config, and runs the AfterNewEndpoint hooks; any error
// there is returned.
func NewEndpoint(cfg Config, plugins ...Plugin) (*Endpoint, error) {
	cfg = cfg.Clone()
	ps, err := newPluginSet(nil, plugins)
	if err != nil {
		return nil, err
	}
	if err := runHook(ps.beforeNewEndpoint, BeforeNewEndpointHook.BeforeNewEndpoint, &cfg); err != nil {
		return nil, fmt.Errorf("rpc: BeforeNewEndpoint: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.fill()
	e := &Endpoint{
		cfg:        cfg,
		plugins:    ps,
		codecs:     codec.Standard(),
		format:     cfg.Format,
		transport:  cfg.Transport,
		log:        cfg.Logger,
		limit:      newLimiter(cfg.MaxHandlers, cfg.MaxQueuedHandlers),
		budget:     wire.NewBudget(cfg.MemoryBudget),
		metaLimits: wire.Options{MaxMetadataPairs: cfg.MaxMetadataPairs, MaxMetadataBytes: cfg.MaxMetadataBytes}.MetadataLimits(),
		listeners:  make(map[net.Listener]struct{}),
		conns:      make(map[*conn]struct{}),
		epoch:      time.Now(),
	}
	e.quickRun.Store(int64(inlineQuick))
	for _, c := range cfg.Codecs {
		if err := e.codecs.Add(c); err != nil {
			return nil, fmt.Errorf("rpc: config: %w", err)
		}
	}
	if e.defaultCodec = e.codecs.ByName(cfg.DefaultCodec); e.defaultCodec == nil {
		return nil, fmt.Errorf("rpc: config: unknown DefaultCodec %q", cfg.DefaultCodec)
	}
	if e.format == nil {
		e.format = raw.Format{}
	}
	if len(cfg.Formats) == 1 {
		e.format = cfg.Formats[0]
	} else if len(cfg.Formats) > 1 {
		for _, f := range cfg.Formats {
			if _, ok := f.(wire.Sniffer); !ok {
				return nil, fmt.Errorf("rpc: config: format %q cannot be told from its first bytes (no wire.Sniffer)", f.Name())
			}
		}
		e.formats = cfg.Formats
	}
	if e.filters, err = newFilterSet(cfg.Filters, cfg.DefaultFilters); err != nil {
		return nil, err
	}
	if e.transport == nil {
		e.transport = transport.Net{}
		if cfg.TLSConfig != nil {
			e.transport = transport.TLS{Config: cfg.TLSConfig, HandshakeTimeout: cfg.HandshakeTimeout}
		}
	}
	if e.log == nil && (cfg.LogCalls || cfg.SlowCallThreshold > 0) {
		e.log = slog.Default() // logs were asked for
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	e.invoke = chainCall(ps, sendIntercepted)
	e.ctx, e.cancel = context.WithCancel(context.Background())
	e.router = newRouter(e)
	if err := runHook(ps.afterNewEndpoint, AfterNewEndpointHook.AfterNewEndpoint, e); err != nil {
		e.cancel()
		return nil, fmt.Errorf("rpc: AfterNewEndpoint: %w", err)
	}
	return e, nil
}

// Config returns a copy of the endpoint's config, defaults filled in.
func (e *Endpoint) Config() Config { return e.cfg.Clone() }

// Codecs returns the endpoint's codec set. Add codecs through Config.Codecs.
func (e *Endpoint) Codecs() *codec.Set { return e.codecs }

// Logger returns the endpoint's logger.
func (e *Endpoint) Logger() *slog.Logger { return e.log }

// Router returns the root router: register handlers on it (RouteCall,
// HandleCall, ...) and make groups of it with Group.
func (e *Endpoint) Router() *Router { return e.router }

// Session returns the live session with that id.
func (e *Endpoint) Session(id string) (*Session, bool) { return e.hub.get(id) }

// CountSessions returns the number of live sessions.
func (e *Endpoint) CountSessions() int { return e.hub.count() }

// RangeSessions calls fn for each live session until fn returns false.
func (e *Endpoint) RangeSessions(fn func(s *Session) bool) {
	for _, s := range e.hub.all() {
		if !fn(s) {
			return
		}
	}
}

// Broadcast pushes to every live session. It returns the errors of the
// sessions it could not push to, joined.
func (e *Endpoint) Broadcast(ctx context.Context, method string, arg any, opts ...CallOption) error {
	var errs []error
	for _, s := range e.hub.all() {
		if err := s.Push(ctx, method, arg, opts...); err != nil {
			errs = append(errs, fmt.Errorf("session %s: %w", s.ID(), err))
		}
	}
	return errors.Join(errs...)
}

// trackConn registers a live connection and starts its flusher goroutine,
// unless Close already ran. The caller then runs or starts c.readLoop,
// which untracks it at the end.
func (e *Endpoint) trackConn(c *conn) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.owner.start(c.w.loop) {
		return false
	}
	e.conns[c] = struct{}{}
	return true
}

func (e *Endpoint) untrackConn(c *conn) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.conns[c]; ok && !c.s.dialed && c.s.peer != nil {
		e.peers.close(c.s.peer)
	}
	delete(e.conns, c)
	if len(e.conns) == 0 && e.noConns != nil {
		close(e.noConns)
		e.noConns = nil
	}
}

func (e *Endpoint) waitNoConns() <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.conns) == 0 {
		return closedChan
	}
	if e.noConns == nil {
		e.noConns = make(chan struct{})
	}
	return e.noConns
}

// checkMeta refuses metadata that the peer would refuse (the same caps,
// when the peer keeps the defaults): a message is not sent with it.
func (e *Endpoint) checkMeta(md *wire.Metadata) error {
	if md.Len() == 0 {
		return nil
	}
	if err := e.metaLimits.Check("rpc", md.Len(), md.Size()); err != nil {
		return WrapStatus(CodeTooLarge, "", err)
	}
	return nil
}

func (e *Endpoint) runAfterDisconnect(s *Session, st *Status) error {
	var err error
	if st != nil {
		err = st
	}
	return run(e.plugins.afterDisconnect, func(h AfterDisconnectHook) error { return h.AfterDisconnect(s, err) })
}

func (e *Endpoint) runAfterDialFail(addr string, st *Status, redial bool) {
	err := run(e.plugins.afterDialFail, func(h AfterDialFailHook) error { return h.AfterDialFail(addr, st, redial) })
	if err != nil {
		e.log.Warn("rpc: AfterDialFail failed", "addr", addr, "err", err)
	}
}
