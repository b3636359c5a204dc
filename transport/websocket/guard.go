package websocket

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"sync/atomic"
)

// guardConn is the connection that coder/websocket reads a client from on
// the server side. It checks the header of every frame with a frameScanner
// before coder/websocket sees it, which coder/websocket does not do in
// full: it closes the connection without a close frame on an unmasked
// frame, so that the peer reads status 1000 from the close that follows,
// and it reads a message up to the size limit before it refuses it, the
// length in its header notwithstanding. The frame at fault never reaches
// coder/websocket: the Read that meets it, and every Read after, fails
// with the fault, and the conn reading through coder/websocket then closes
// the connection with the fault's status.
//
// Reads come from coder/websocket, one at a time; fault may be read by
// any goroutine.
type guardConn struct {
	net.Conn
	pre   []byte // bytes read past the upgrade request, to be read first
	fs    frameScanner
	fault atomic.Pointer[frameFault]
}

// Read reads from the client the bytes of the frames before the first one
// at fault.
func (g *guardConn) Read(p []byte) (int, error) {
	if f := g.fault.Load(); f != nil {
		return 0, f
	}
	var n int
	var err error
	if len(g.pre) > 0 {
		n = copy(p, g.pre)
		g.pre = g.pre[n:]
	} else {
		n, err = g.Conn.Read(p)
	}
	ok, f := g.fs.scan(p[:n])
	if f == nil {
		return n, err
	}
	g.fault.Store(f)
	if ok > 0 {
		return ok, nil
	}
	return 0, f
}

// guardWriter is the http.ResponseWriter that an upgrade gives
// coder/websocket's Accept: its Hijack hands over the connection behind a
// guardConn, the bytes read past the request included.
type guardWriter struct {
	http.ResponseWriter
	limit int64
	g     *guardConn // set by Hijack
}

var _ http.Hijacker = (*guardWriter)(nil)

// Hijack hijacks the connection of the ResponseWriter under w, as
// http.ResponseController does, and returns it behind a guardConn, with a
// reader that holds nothing: the bytes that arrived with the request go
// through the guardConn too.
func (w *guardWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	g := &guardConn{Conn: nc, fs: frameScanner{limit: w.limit}}
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		g.pre = bytes.Clone(b)
	}
	brw.Reader.Reset(g)
	w.g = g
	return g, brw, nil
}

// hijackable reports whether w, or a ResponseWriter it unwraps to, can be
// hijacked, as coder/websocket and http.ResponseController look for it.
func hijackable(w http.ResponseWriter) bool {
	for {
		switch t := w.(type) {
		case http.Hijacker:
			return true
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		default:
			return false
		}
	}
}
