package heartbeat

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/dmicro-go/dmicro/rpc"
)

// ErrSilent is the cause of the status a connection is closed with when its
// peer fell silent: errors.Is(err, ErrSilent) holds for the calls that were
// in flight on it, for the err of AfterDisconnect hooks and for the Err of
// an accepted session it closed.
var ErrSilent = errors.New("heartbeat: peer silent")

// Heartbeat is an rpc plugin that keeps the sessions of an endpoint alive
// and closes the connections of peers that fell silent. Make one with
// [New] and give it to [rpc.NewEndpoint]; it works on the sessions the
// endpoint dials and on those it accepts. One Heartbeat may serve several
// endpoints. It is safe for concurrent use.
type Heartbeat struct {
	cfg Config
	err error // the config's error, returned by AfterNewEndpoint

	mu       sync.Mutex
	watchers map[*rpc.Endpoint]*watcher
}

// New returns a Heartbeat with cfg. An invalid cfg makes the endpoint it is
// given to fail in NewEndpoint with cfg.Validate's error.
func New(cfg Config) *Heartbeat {
	h := &Heartbeat{err: cfg.Validate(), watchers: make(map[*rpc.Endpoint]*watcher)}
	cfg.fill()
	h.cfg = cfg
	return h
}

// Config returns the Heartbeat's config, defaults filled in.
func (h *Heartbeat) Config() Config { return h.cfg }

// Name returns "heartbeat".
func (*Heartbeat) Name() string { return "heartbeat" }

var (
	_ rpc.AfterNewEndpointHook   = (*Heartbeat)(nil)
	_ rpc.AfterCloseEndpointHook = (*Heartbeat)(nil)
	_ rpc.AfterDialHook          = (*Heartbeat)(nil)
	_ rpc.AfterAcceptHook        = (*Heartbeat)(nil)
	_ rpc.BeforeReadHeaderHook   = (*Heartbeat)(nil)
)

// peerState is what the plugin keeps of one session, in its Values.
type peerState struct {
	// heard is set when a frame arrives (and when a connection is made);
	// the watcher clears it at each look.
	heard atomic.Bool
	// pingable says whether this side may ping the peer: always for a
	// dialed session; for an accepted one, unless the endpoint serves a
	// format whose plain clients cannot take requests.
	pingable bool

	// Owned by the endpoint's watcher goroutine.
	silent int       // looks in a row that found heard unset
	ping   *rpc.Call // the ping in flight, if any
	cancel func()    // ends ping's context
}

// stateKey is the key of a session's peerState in its Values.
type stateKey struct{}

func stateOf(s *rpc.Session) *peerState {
	v, ok := s.Values().Load(stateKey{})
	if !ok {
		return nil
	}
	return v.(*peerState)
}

// AfterNewEndpoint registers the ping route (calls and pushes to Path,
// answered with nothing) on e, or fails with the config's error.
func (h *Heartbeat) AfterNewEndpoint(e *rpc.Endpoint) error {
	if h.err != nil {
		return h.err
	}
	r := e.Router()
	if err := r.HandleCall(h.cfg.Path, rpc.CallFunc(answerPing)); err != nil {
		return fmt.Errorf("heartbeat: route %s: %w", h.cfg.Path, err)
	}
	if err := r.HandlePush(h.cfg.Path, rpc.PushFunc(takePing)); err != nil {
		return fmt.Errorf("heartbeat: route push %s: %w", h.cfg.Path, err)
	}
	return nil
}

// answerPing answers a ping call with an empty body. Its argument, whatever
// the peer sent, is taken undecoded.
func answerPing(*rpc.CallCtx, *rpc.Raw) (any, error) { return nil, nil }

// takePing takes a ping push, as older peers send them.
func takePing(*rpc.PushCtx, *rpc.Raw) error { return nil }

// AfterDial counts the new connection as heard from and asks the watcher
// to ping it at once: an idle client's first frame then reaches the server
// well within its FirstFrameTimeout, and a redialed connection is proven
// (established) by the reply.
func (h *Heartbeat) AfterDial(s *rpc.Session, _ bool) error {
	w := h.watcherOf(s)
	if w == nil {
		return nil // the endpoint is closing
	}
	st := stateOf(s)
	if st == nil {
		st = &peerState{pingable: true}
		s.Values().Store(stateKey{}, st)
	}
	st.heard.Store(true)
	w.pingSoon(s)
	return nil
}

// AfterAccept starts watching an accepted session.
func (h *Heartbeat) AfterAccept(s *rpc.Session) error {
	w := h.watcherOf(s)
	if w == nil {
		return nil
	}
	st := &peerState{pingable: w.pingAccepted}
	st.heard.Store(true)
	s.Values().Store(stateKey{}, st)
	return nil
}

// BeforeReadHeader runs before each frame is read, that is once the
// previous frame has been read and dispatched: it marks the session as
// heard from. It costs a lookup in the session's Values and, at most once
// between two looks of the watcher, an atomic store.
func (h *Heartbeat) BeforeReadHeader(s *rpc.Session) error {
	if st := stateOf(s); st != nil && !st.heard.Load() {
		st.heard.Store(true)
	}
	return nil
}

// AfterCloseEndpoint stops the endpoint's watcher and waits for it.
func (h *Heartbeat) AfterCloseEndpoint(e *rpc.Endpoint, _ error) error {
	h.mu.Lock()
	w := h.watchers[e]
	delete(h.watchers, e)
	h.mu.Unlock()
	if w != nil {
		w.stop()
	}
	return nil
}

// watcherOf returns the watcher of s's endpoint, starting it with the
// endpoint's first session; nil once the endpoint is closing. Starting it
// here rather than in AfterNewEndpoint means that an endpoint whose
// NewEndpoint failed after this plugin's hook (no AfterCloseEndpoint will
// run for it) leaves no goroutine behind.
func (h *Heartbeat) watcherOf(s *rpc.Session) *watcher {
	e := s.Endpoint()
	h.mu.Lock()
	defer h.mu.Unlock()
	if w := h.watchers[e]; w != nil {
		return w
	}
	// The session's context ends when the endpoint closes, before its
	// AfterCloseEndpoint hooks run, which take h.mu: a watcher started
	// here is either seen by them or not started at all.
	if s.Context().Err() != nil {
		return nil
	}
	w := startWatcher(e, h.cfg)
	h.watchers[e] = w
	return w
}
