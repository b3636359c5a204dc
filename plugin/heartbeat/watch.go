package heartbeat

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

// looksPerInterval is how many times per Interval the watcher looks at each
// session. A ping goes out, and a silent connection is closed, within a
// quarter of an Interval of when it is due.
const looksPerInterval = 4

// maxLogged caps the lines one look logs about silent peers; the rest are
// counted in one more line.
const maxLogged = 10

// watcher is the one goroutine of an endpoint: it looks at every session
// looksPerInterval times an Interval, pings those it heard nothing from for
// an Interval and closes the connections of those silent for Misses
// intervals. Pings are AsyncCalls, which the endpoint runs and owns, with
// at most one in flight per session and each bounded by an Interval, so
// the watcher never blocks on a peer.
type watcher struct {
	ep  *rpc.Endpoint
	cfg Config
	log *slog.Logger
	// pingAccepted says whether accepted sessions are pinged: not when the
	// endpoint serves http or jsonrpc, whose plain clients (curl, browsers,
	// JSON-RPC libraries) cannot take a request.
	pingAccepted bool
	closeAfter   int // looks in a row without a frame that close a connection

	ctx    context.Context // ends when the watcher stops; the parent of every ping
	cancel context.CancelFunc
	done   chan struct{}
	kick   chan struct{} // wakes the goroutine to ping fresh sessions

	mu    sync.Mutex
	fresh []*rpc.Session // dialed sessions to ping at once
}

func startWatcher(e *rpc.Endpoint, cfg Config) *watcher {
	w := &watcher{
		ep:           e,
		cfg:          cfg,
		log:          e.Logger(),
		pingAccepted: !servesPlainClients(e.Config()),
		closeAfter:   cfg.Misses * looksPerInterval,
		done:         make(chan struct{}),
		kick:         make(chan struct{}, 1),
	}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	go w.run()
	return w
}

// servesPlainClients reports whether the endpoint's listeners serve a
// format that clients outside dmicro speak, which do not expect the server
// to send them requests.
func servesPlainClients(cfg rpc.Config) bool {
	if cfg.Format != nil && plainFormat(cfg.Format.Name()) {
		return true
	}
	for _, f := range cfg.Formats {
		if plainFormat(f.Name()) {
			return true
		}
	}
	return false
}

func plainFormat(name string) bool { return name == "http" || name == "jsonrpc" }

// stop ends the goroutine and the pings in flight, and waits.
func (w *watcher) stop() {
	w.cancel()
	<-w.done
}

// pingSoon has the goroutine ping s at once.
func (w *watcher) pingSoon(s *rpc.Session) {
	w.mu.Lock()
	w.fresh = append(w.fresh, s)
	w.mu.Unlock()
	select {
	case w.kick <- struct{}{}:
	default: // a kick is pending; it takes s too
	}
}

func (w *watcher) run() {
	defer close(w.done)
	t := time.NewTicker(w.cfg.Interval / looksPerInterval)
	defer t.Stop()
	for {
		select {
		case <-w.ctx.Done():
			return
		case <-w.kick:
			w.pingFresh()
		case <-t.C:
			w.look()
		}
	}
}

// pingFresh pings the sessions dialed since the last time. A ping still in
// flight belongs to the connection before and is given up.
func (w *watcher) pingFresh() {
	w.mu.Lock()
	fresh := w.fresh
	w.fresh = nil
	w.mu.Unlock()
	for _, s := range fresh {
		if st := stateOf(s); st != nil {
			st.endPing()
			w.ping(s, st)
		}
	}
}

// look takes one look at every session.
func (w *watcher) look() {
	var silent []*rpc.Session
	w.ep.RangeSessions(func(s *rpc.Session) bool {
		st := stateOf(s)
		if st == nil {
			return true // made before the plugin saw it; not watched
		}
		st.reapPing()
		if !s.Health() {
			return true // no connection (redialing) or one that drains: nothing to watch
		}
		if st.heard.Swap(false) {
			st.silent = 0
			return true
		}
		st.silent++
		switch {
		case st.silent >= w.closeAfter:
			st.silent = 0
			silent = append(silent, s)
		case st.silent%looksPerInterval == 0 && st.pingable:
			w.ping(s, st)
		}
		return true
	})
	for i, s := range silent {
		w.closeSilent(s, i < maxLogged)
	}
	if n := len(silent) - maxLogged; n > 0 {
		w.log.Warn("heartbeat: more silent peers closed", "count", n)
	}
}

// ping sends a ping to s unless one is in flight. Its reply, whatever it
// says (a peer without the plugin answers "not found"), is a frame, and
// that is all the watcher waits for: BeforeReadHeader sees it.
func (w *watcher) ping(s *rpc.Session, st *peerState) {
	if st.ping != nil {
		return
	}
	ctx, cancel := context.WithTimeout(w.ctx, w.cfg.Interval)
	st.ping = s.AsyncCall(ctx, w.cfg.Path, nil, nil, rpc.WithWaitForReady())
	st.cancel = cancel
}

// reapPing forgets the ping in flight once it has finished.
func (st *peerState) reapPing() {
	if st.ping == nil {
		return
	}
	select {
	case <-st.ping.Done():
		st.endPing()
	default:
	}
}

// endPing gives up the ping in flight, if any.
func (st *peerState) endPing() {
	if st.cancel != nil {
		st.cancel()
	}
	st.ping, st.cancel = nil, nil
}

// closeSilent closes the connection of a silent peer: a dialed session
// redials by its endpoint's RedialPolicy, an accepted one closes for good.
func (w *watcher) closeSilent(s *rpc.Session, logIt bool) {
	d := time.Duration(w.cfg.Misses) * w.cfg.Interval
	remote := "?"
	if a := s.RemoteAddr(); a != nil {
		remote = a.String()
	}
	if logIt {
		w.log.Warn("heartbeat: peer silent, closing its connection",
			"session", s.ID(), "remote", remote, "silent", d, "dialed", s.Dialed())
	}
	s.CloseConn(rpc.WrapStatus(rpc.CodeConnClosed, "", fmt.Errorf("%w: nothing received from %s for %v", ErrSilent, remote, d)))
}
