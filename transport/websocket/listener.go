package websocket

import (
	"net"
	"net/http"
	"sync"
)

// listener is the net.Listener of Transport.Listen: a Handler served by an
// http.Server of its own on a TCP listener.
type listener struct {
	*Handler
	srv    *http.Server
	addr   net.Addr
	served chan struct{} // closed when srv.Serve returned

	once     sync.Once
	closeErr error
}

// serve runs the HTTP server until Close; it is the listener's goroutine.
func (l *listener) serve(ln net.Listener) {
	defer close(l.served)
	l.srv.Serve(ln)
}

// Addr returns the TCP address the listener is bound to.
func (l *listener) Addr() net.Addr { return l.addr }

// Close shuts the HTTP server down: it closes the TCP listener and the
// HTTP connections that are not upgraded yet, and stops the Handler. The
// WebSocket connections already accepted stay open; their owner closes
// them. Close waits for the server's goroutine and for the upgrades under
// way.
func (l *listener) Close() error {
	l.once.Do(func() {
		l.closeErr = l.srv.Close()
		<-l.served
		l.Handler.Close()
	})
	return l.closeErr
}

// servePath serves h on path only, and 404 on every other path.
func servePath(path string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}
