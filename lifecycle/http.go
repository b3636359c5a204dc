package lifecycle

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// HTTPServer serves an http.Server so that a reload or a stop loses no
// request. Serve it on a listener from [BaseSandbox.Listen] and call its
// Shutdown from the sandbox's Shutdown:
//
//	s.srv = &lifecycle.HTTPServer{Server: &http.Server{Handler: mux}}
//	return s.srv.Serve(l)                    // in Setup
//	return s.srv.Shutdown(ctx)               // in Shutdown
//
// Why: http.Server.Shutdown answers nothing to a request it reads after
// Shutdown began; it closes the connection. A connection that this
// process accepted just before a reload, whose request was still on its
// way, is such a one, and a client does not retry a request that failed
// on a new connection. HTTPServer's Shutdown first closes the listeners,
// then waits (within ctx) until every connection accepted has had its
// first request reach the handler, or has closed, and only then calls
// http.Server.Shutdown. A request that a client sends on an idle
// keep-alive connection as Shutdown closes it fails as with any net/http
// server; Go's http.Transport retries it when it is idempotent (GET,
// HEAD, or with an Idempotency-Key).
//
// Set the Server's fields before Serve; HTTPServer wraps its Handler and
// ConnState (a ConnState of yours is still called).
type HTTPServer struct {
	*http.Server

	once    sync.Once
	closing atomic.Bool
	mu      sync.Mutex
	lns     map[net.Listener]struct{}
	pending map[net.Conn]struct{} // accepted, first request not in the handler yet
	settled chan struct{}         // a pending connection settled
}

// connKey carries a request's connection in its context.
type connKey struct{}

// init wraps the server's handler and connection hooks, once.
func (h *HTTPServer) init() {
	h.once.Do(func() {
		h.lns = make(map[net.Listener]struct{})
		h.pending = make(map[net.Conn]struct{})
		h.settled = make(chan struct{}, 1)
		next := h.Handler
		if next == nil {
			next = http.DefaultServeMux
		}
		h.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c, ok := r.Context().Value(connKey{}).(net.Conn); ok {
				h.settle(c)
			}
			next.ServeHTTP(w, r)
		})
		connContext := h.ConnContext
		h.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
			if connContext != nil {
				ctx = connContext(ctx, c)
			}
			return context.WithValue(ctx, connKey{}, c)
		}
		connState := h.ConnState
		h.ConnState = func(c net.Conn, st http.ConnState) {
			switch st {
			case http.StateNew:
				h.mu.Lock()
				h.pending[c] = struct{}{}
				h.mu.Unlock()
			case http.StateIdle, http.StateHijacked, http.StateClosed:
				h.settle(c)
			}
			if connState != nil {
				connState(c, st)
			}
		}
	})
}

// settle notes that c's first request reached the handler, or that c went
// idle or closed.
func (h *HTTPServer) settle(c net.Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.pending[c]; ok {
		delete(h.pending, c)
		select {
		case h.settled <- struct{}{}:
		default:
		}
	}
}

// Serve serves l until Shutdown, as http.Server.Serve does.
func (h *HTTPServer) Serve(l net.Listener) error {
	h.init()
	h.mu.Lock()
	h.lns[l] = struct{}{}
	h.mu.Unlock()
	err := h.Server.Serve(l)
	if h.closing.Load() && errors.Is(err, net.ErrClosed) {
		err = http.ErrServerClosed // the listener closed by Shutdown
	}
	return err
}

// Shutdown stops accepting, waits until the connections accepted have
// their first request in the handler (or have closed), then shuts the
// server down gracefully, all within ctx.
func (h *HTTPServer) Shutdown(ctx context.Context) error {
	h.init()
	h.closing.Store(true)
	h.mu.Lock()
	var errs []error
	for l := range h.lns {
		if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	clear(h.lns)
	h.mu.Unlock()
	for {
		h.mu.Lock()
		n := len(h.pending)
		h.mu.Unlock()
		if n == 0 {
			break
		}
		select {
		case <-h.settled:
			continue
		case <-ctx.Done():
		}
		break
	}
	errs = append(errs, h.Server.Shutdown(ctx))
	return errors.Join(errs...)
}
