package websocket

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Handler upgrades HTTP requests to WebSocket connections and hands them
// out through Accept: it is an http.Handler to mount in an existing HTTP
// server and a net.Listener for an rpc endpoint to serve:
//
//	h, err := websocket.NewHandler(websocket.Config{})
//	...
//	mux.Handle("/rpc", h)
//	go ep.Serve(h)
//
// ServeHTTP upgrades the request (refusing a browser page of another origin
// than OriginPatterns allow with 403), then waits for Accept to take the
// connection. A connection that no Accept takes within HandshakeTimeout is
// closed with status 1013 (try again later). Once the Handler is closed,
// ServeHTTP answers 503 Service Unavailable without upgrading.
//
// The Handler ignores Config.Path and Config.TLS: the ServeMux and the
// http.Server that serve it decide the path and the TLS. The server's
// ReadTimeout and WriteTimeout do not reach the connections: net/http
// clears the deadlines of a connection it hands over.
//
// A Handler is safe for concurrent use.
type Handler struct {
	s     *settings
	opts  websocket.AcceptOptions
	conns chan net.Conn

	mu     sync.Mutex
	closed bool
	done   chan struct{}
	wg     sync.WaitGroup // ServeHTTP calls under way
}

var (
	_ http.Handler = (*Handler)(nil)
	_ net.Listener = (*Handler)(nil)
)

// NewHandler returns a Handler with cfg, or an error wrapping ErrConfig.
func NewHandler(cfg Config) (*Handler, error) {
	s, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	return newHandler(s), nil
}

func newHandler(s *settings) *Handler {
	return &Handler{
		s:     s,
		opts:  acceptOptions(s),
		conns: make(chan net.Conn),
		done:  make(chan struct{}),
	}
}

func acceptOptions(s *settings) websocket.AcceptOptions {
	return websocket.AcceptOptions{
		Subprotocols:   []string{Subprotocol},
		OriginPatterns: s.OriginPatterns,
	}
}

// ServeHTTP upgrades the request and hands the connection to Accept. It
// returns once Accept took it, or it was closed.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.enter() {
		http.Error(w, "transport/websocket: closed", http.StatusServiceUnavailable)
		return
	}
	defer h.wg.Done()
	c, err := upgrade(w, r, h.s, &h.opts)
	if err != nil {
		return
	}
	t := time.NewTimer(h.s.HandshakeTimeout)
	defer t.Stop()
	select {
	case h.conns <- c:
	case <-h.done:
		c.closeWith(websocket.StatusGoingAway, "closed")
	case <-t.C:
		h.s.log.Debug("transport/websocket: no Accept took the connection", "remote", r.RemoteAddr)
		c.closeWith(websocket.StatusTryAgainLater, "not accepted")
	}
}

// enter counts a ServeHTTP call under way, unless the Handler is closed.
func (h *Handler) enter() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.wg.Add(1)
	return true
}

// Accept waits for the next upgraded connection. Once the Handler is
// closed it returns an error wrapping net.ErrClosed.
func (h *Handler) Accept() (net.Conn, error) {
	select {
	case c := <-h.conns:
		return c, nil
	case <-h.done:
		return nil, fmt.Errorf("transport/websocket: accept: %w", net.ErrClosed)
	}
}

// Close stops the Handler: ServeHTTP no longer upgrades, and Accept
// returns an error. The connections already accepted are not closed. Close
// waits for the ServeHTTP calls under way; a connection upgraded but not
// yet accepted is closed with status 1001 (going away).
func (h *Handler) Close() error {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
	h.mu.Unlock()
	h.wg.Wait()
	return nil
}

// Addr returns a placeholder address, network "websocket" and address
// "websocket": the Handler does not know the address of the HTTP server
// that serves it. Dial that server's address.
func (h *Handler) Addr() net.Addr { return handlerAddr{} }

type handlerAddr struct{}

func (handlerAddr) Network() string { return "websocket" }
func (handlerAddr) String() string  { return "websocket" }

// Upgrade upgrades the request to a WebSocket connection with cfg, for an
// HTTP handler that serves the connection itself, for example with an rpc
// endpoint's ServeConn. On failure it has already answered the request
// (403 for a refused origin, 400 or 426 for a request that is no upgrade)
// and returns the error. Config.Path and Config.TLS are ignored, as by
// Handler. The connection's life is its own: it does not end with the
// request's context.
func Upgrade(w http.ResponseWriter, r *http.Request, cfg Config) (net.Conn, error) {
	s, err := cfg.resolve()
	if err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return nil, err
	}
	opts := acceptOptions(s)
	return upgrade(w, r, s, &opts)
}

// upgrade upgrades the request and returns the connection, whose frames
// are checked (see guardConn) from the first byte after the request on.
// A ResponseWriter that cannot be hijacked is left to coder/websocket,
// which refuses the request.
func upgrade(w http.ResponseWriter, r *http.Request, s *settings, opts *websocket.AcceptOptions) (*conn, error) {
	var gw *guardWriter
	if hijackable(w) {
		gw = &guardWriter{ResponseWriter: w, limit: s.readLimit()}
		w = gw
	}
	ws, err := websocket.Accept(w, r, opts)
	if err != nil {
		s.log.Debug("transport/websocket: upgrade refused", "remote", r.RemoteAddr, "origin", r.Header.Get("Origin"), "err", err)
		return nil, fmt.Errorf("transport/websocket: upgrade: %w", err)
	}
	var guard *guardConn
	if gw != nil {
		guard = gw.g
	}
	return newConn(ws, s, nil, nil, guard), nil
}
