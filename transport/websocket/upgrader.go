package websocket

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/dmicro-go/dmicro/transport"
)

// Upgrader serves WebSocket clients on a port that serves other protocols
// too: it is the [transport.Upgrader] of this package, for the Upgraders of
// an rpc endpoint's Config. The endpoint shows it the first bytes of each
// connection its listeners accept; Sniff recognises a WebSocket upgrade
// request for Config.Path, and Upgrade answers it on the connection itself
// and returns the WebSocket connection, which the endpoint then serves in
// any of its frame formats:
//
//	up, err := websocket.NewUpgrader(websocket.Config{})
//	...
//	ep, err := rpc.NewEndpoint(rpc.Config{
//		Formats:   []wire.Format{raw.Format{}, json.Format{}, http.Format{}},
//		Upgraders: []transport.Upgrader{up},
//	})
//
// The connections it returns are those of [Transport.Listen] and [Handler]:
// the same binary stream, message limit, close codes, subprotocol and
// origin checks.
//
// The Upgrader uses Config.Path, OriginPatterns, MaxMessageSize,
// HandshakeTimeout, CloseTimeout and Logger. It ignores Config.TLS, as the
// listener it serves does the TLS (an rpc endpoint's TLSConfig or a
// transport.TLS serve wss), and Config.Header, which is for Dial.
//
// An Upgrader is safe for concurrent use.
type Upgrader struct {
	s    *settings
	opts websocket.AcceptOptions
}

var _ transport.Upgrader = (*Upgrader)(nil)

// NewUpgrader returns an Upgrader with cfg, or an error wrapping ErrConfig.
func NewUpgrader(cfg Config) (*Upgrader, error) {
	s, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	return &Upgrader{s: s, opts: acceptOptions(s)}, nil
}

// Sniff reports whether head, the first bytes of a connection, begin a
// WebSocket upgrade request for Config.Path: an HTTP/1.1 (or later) GET of
// that path with the header "Upgrade: websocket" and the token "upgrade"
// in a Connection header, header names and tokens in any case. It says
// match as soon as the request line and both headers are in head, even
// when the rest of the head has not arrived. It says more while head is an
// unfinished request that could still be such an upgrade, and neither as
// soon as head cannot be one: it does not start with "GET ", the path
// differs, or the head ended without both headers. A plain HTTP request
// for another path is thus told apart from its request line, and one for
// Config.Path from its whole head.
func (u *Upgrader) Sniff(head []byte) (match, more bool) {
	return sniffUpgrade(head, u.s.Path)
}

// Upgrade reads the upgrade request from br, the reader of nc that holds
// the bytes Sniff saw, answers it on nc and returns the WebSocket
// connection. The context and Config.HandshakeTimeout bound the handshake
// (a cancel interrupts it too), not the life of the connection; the
// connection returned has no deadline set.
//
// A request that is no valid upgrade is answered, and Upgrade returns an
// error: 403 Forbidden for a browser page of an origin that OriginPatterns
// does not allow, 404 Not Found for another path, 431 for a request head
// over 64 KiB, 400 Bad Request or 426 Upgrade Required for the other
// faults. The caller closes nc after an error.
func (u *Upgrader) Upgrade(ctx context.Context, nc net.Conn, br *bufio.Reader) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, u.s.HandshakeTimeout)
	defer cancel()
	dl, _ := ctx.Deadline()
	if err := nc.SetDeadline(dl); err != nil {
		return nil, fmt.Errorf("transport/websocket: upgrade: %w", err)
	}
	// The deadline interrupts the reads and writes of a slow peer; an
	// earlier cancel (the server closing) interrupts them this way.
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	c, err := u.handshake(nc, br)
	if !stop() {
		// ctx ended, and may have cut the handshake short.
		if err != nil {
			return nil, fmt.Errorf("%w (%w)", err, context.Cause(ctx))
		}
		c.ws.CloseNow()
		c.cancel()
		return nil, fmt.Errorf("transport/websocket: upgrade: %w", context.Cause(ctx))
	}
	if err != nil {
		return nil, err
	}
	if err := nc.SetDeadline(time.Time{}); err != nil {
		c.ws.CloseNow()
		c.cancel()
		return nil, fmt.Errorf("transport/websocket: upgrade: %w", err)
	}
	return c, nil
}

// handshake reads the request and upgrades it, or answers it with an error.
func (u *Upgrader) handshake(nc net.Conn, br *bufio.Reader) (*conn, error) {
	// http.ReadRequest bounds neither the line nor the head; a limited
	// reader does, as MaxHeaderBytes does for Listen's http.Server.
	lr := &io.LimitedReader{R: br, N: maxHeaderBytes}
	hr := bufio.NewReaderSize(lr, 4<<10)
	r, err := http.ReadRequest(hr)
	if err != nil {
		code := http.StatusBadRequest
		if lr.N == 0 {
			code = http.StatusRequestHeaderFieldsTooLarge
		}
		writeError(nc, code)
		return nil, fmt.Errorf("transport/websocket: upgrade: reading the request: %w", err)
	}
	r.RemoteAddr = nc.RemoteAddr().String()
	switch {
	case r.URL.Path != u.s.Path:
		writeError(nc, http.StatusNotFound)
		return nil, fmt.Errorf("transport/websocket: upgrade: path %q, want %q", r.URL.Path, u.s.Path)
	case r.ContentLength != 0:
		// A body would be read as WebSocket frames.
		writeError(nc, http.StatusBadRequest)
		return nil, fmt.Errorf("transport/websocket: upgrade: the request has a body")
	}
	w := newHijackWriter(nc, br, hr)
	c, err := upgrade(w, r, u.s, &u.opts)
	if err != nil {
		w.flushError()
		return nil, err
	}
	return c, nil
}

// writeError answers a request with code and closes the HTTP exchange.
func writeError(nc net.Conn, code int) {
	w := newHijackWriter(nc, nil, nil)
	http.Error(w, http.StatusText(code), code)
	w.flushError()
}
