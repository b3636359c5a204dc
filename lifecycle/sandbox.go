package lifecycle

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/dmicro-go/dmicro/lifecycle/conf"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/transport"
)

// Sandbox is the user's unit of work: typically one rpc endpoint or one
// HTTP server. The app calls Setup in a goroutine of its own; Setup may
// block serving (rpc.Endpoint.ListenAndServe, http.Server.Serve) until
// Shutdown makes it return. A Setup that returns nil has set its work
// going and is running until Shutdown. Setup's ctx ends once the sandbox
// has shut down.
//
// Shutdown stops the sandbox gracefully within ctx's deadline: stop
// accepting, tell peers going away, let the calls in flight finish. When
// ctx ends it must stop at once.
//
// Embed [BaseSandbox] to get the sandbox's configuration section, logger
// and listeners that survive a reload.
type Sandbox interface {
	Name() string
	Setup(ctx context.Context) error
	Shutdown(ctx context.Context) error
}

// BaseSandbox gives a sandbox what the app knows of it: its section of the
// configuration, its logger, and listeners that the app hands to the next
// process at a reload. Embed it in the sandbox's struct; the app fills it
// in when the sandbox is added (by an unexported method, not reflection).
// Its methods may be called from Setup on.
type BaseSandbox struct {
	mu  sync.Mutex
	env *sandboxEnv
}

// sandboxEnv is what the app gives a sandbox while it runs.
type sandboxEnv struct {
	name    string
	service string
	logger  *slog.Logger
	section *conf.Section
	file    *conf.File
	binder  binder
}

// based is the interface of sandboxes that embed BaseSandbox.
type based interface {
	base() *BaseSandbox
}

func (b *BaseSandbox) base() *BaseSandbox { return b }

func (b *BaseSandbox) setEnv(e *sandboxEnv) {
	b.mu.Lock()
	b.env = e
	b.mu.Unlock()
}

func (b *BaseSandbox) getEnv() *sandboxEnv {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.env == nil {
		return &sandboxEnv{logger: slog.New(slog.DiscardHandler), section: new(conf.File).Sandbox("")}
	}
	return b.env
}

// Logger returns the sandbox's logger: the app's, with the sandbox's name.
func (b *BaseSandbox) Logger() *slog.Logger { return b.getEnv().logger }

// Config returns the sandbox's section of the configuration file,
// [sandbox.NAME], with the overlay of the environment applied: the
// settings of its rpc endpoint (see [conf.Section.Endpoint]). It is never
// nil: a sandbox without a section gets an empty one.
func (b *BaseSandbox) Config() *conf.Section { return b.getEnv().section }

// ConfigFile returns the whole configuration file, for the sandbox's own
// settings: keep them in a section of their own ([web], [math]), since a
// [sandbox.NAME] section takes only the keys of an rpc endpoint. It is
// never nil.
func (b *BaseSandbox) ConfigFile() *conf.File {
	if f := b.getEnv().file; f != nil {
		return f
	}
	return new(conf.File)
}

// EndpointConfig returns an rpc.Config built from the sandbox's section,
// whose transport listens through the app: its sockets are handed to the
// next process at a reload, with no code in the sandbox. Network is tcp,
// tcp4, tcp6 or unix (TLS when the section has TLSCert and TLSKey). For
// another transport (kcp, quic, websocket), set Config.Transport yourself
// with its Binder set to [BaseSandbox.Binder]. The logger is the
// sandbox's.
func (b *BaseSandbox) EndpointConfig() (rpc.Config, error) {
	env := b.getEnv()
	cfg, err := env.section.Endpoint()
	if err != nil {
		return cfg, err
	}
	cfg.Logger = env.logger
	if env.binder.set == nil {
		return cfg, nil // not added to an app: plain sockets
	}
	switch cfg.Network {
	case "", "tcp", "tcp4", "tcp6", "unix":
	default:
		return cfg, nil
	}
	inner := transport.Net{Binder: env.binder}
	cfg.Transport = inner
	if cfg.TLSConfig != nil {
		cfg.Transport = transport.TLS{Inner: inner, Config: cfg.TLSConfig, HandshakeTimeout: cfg.HandshakeTimeout}
	}
	return cfg, nil
}

// Binder returns the transport.Binder through which the sandbox's
// transports listen, so that their sockets survive a reload.
func (b *BaseSandbox) Binder() transport.Binder {
	env := b.getEnv()
	if env.binder.set == nil {
		return transport.Bind{}
	}
	return env.binder
}

// Listen returns a listener on addr that survives a reload: the one the
// previous process passed for network and addr, or a new one. Serve a
// net/http server on it. network is tcp, tcp4, tcp6 or unix.
func (b *BaseSandbox) Listen(ctx context.Context, network, addr string) (net.Listener, error) {
	return b.Binder().Listen(ctx, network, addr)
}

// ListenPacket returns a UDP socket on addr that survives a reload, as
// Listen does for streams.
func (b *BaseSandbox) ListenPacket(ctx context.Context, network, addr string) (net.PacketConn, error) {
	return b.Binder().ListenPacket(ctx, network, addr)
}

// Ready tells the app that the sandbox serves. A sandbox is ready when its
// Setup returns nil, when it first accepts on a listener it got from the
// app (through EndpointConfig's transport, Binder or Listen), or when it
// calls Ready, whichever comes first. A sandbox that serves on sockets of
// its own must call Ready.
func (b *BaseSandbox) Ready() {
	if s := b.getEnv().binder.serving; s != nil {
		s()
	}
}

// State is the state of a sandbox.
type State string

// The states of a sandbox.
const (
	Stopped  State = "STOPPED"
	Starting State = "STARTING"
	Running  State = "RUNNING"
	Stopping State = "STOPPING"
	Failed   State = "FAILED"
)

// sandboxRun is the run-time state of one sandbox in the app.
type sandboxRun struct {
	sb      Sandbox
	service string

	mu      sync.Mutex
	state   State
	since   time.Time
	err     error
	ready   chan struct{} // closed when it serves, once per start
	done    chan struct{} // closed when Setup has returned, once per start
	cancel  context.CancelFunc
	stopped bool // Shutdown was called for this start
}

// setState records a state change; the caller holds r.mu.
func (r *sandboxRun) setState(s State, err error) {
	r.state, r.since, r.err = s, time.Now(), err
}

// serving marks the sandbox ready, once per start.
func (r *sandboxRun) serving() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state == Starting {
		r.setState(Running, nil)
	}
	if r.ready != nil {
		select {
		case <-r.ready:
		default:
			close(r.ready)
		}
	}
}

// snapshot returns the sandbox's state for status.
func (r *sandboxRun) snapshot() SandboxInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	info := SandboxInfo{Name: r.sb.Name(), Service: r.service, State: r.state, Since: r.since}
	if r.err != nil {
		info.Error = r.err.Error()
	}
	return info
}

// errDuplicate is the error of a second sandbox or service of one name.
func errDuplicate(kind, name string) error {
	return fmt.Errorf("%w: %s %q", ErrDuplicate, kind, name)
}
