package websocket

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
)

// hijackWriter is the http.ResponseWriter and http.Hijacker that
// coder/websocket's Accept needs, over a connection whose request an
// Upgrader read itself, without an http.Server. It holds the response until
// Hijack, which writes the 101 (Switching Protocols) head and hands the
// connection over, or until flushError, which writes a refusal with its
// body and "Connection: close".
//
// A hijackWriter is used by one goroutine.
type hijackWriter struct {
	nc     net.Conn
	rest   *bufio.Reader // nc's reader under hr: the bytes after hr's
	hr     *bufio.Reader // the reader the request was read from
	header http.Header
	status int
	body   bytes.Buffer

	hijacked bool
}

var (
	_ http.ResponseWriter = (*hijackWriter)(nil)
	_ http.Hijacker       = (*hijackWriter)(nil)
)

// newHijackWriter returns the writer of a response on nc. rest and hr are
// the readers that hold the bytes read past the request, or nil when the
// connection is not to be hijacked.
func newHijackWriter(nc net.Conn, rest, hr *bufio.Reader) *hijackWriter {
	return &hijackWriter{nc: nc, rest: rest, hr: hr, header: http.Header{}}
}

// Header returns the header of the response.
func (w *hijackWriter) Header() http.Header { return w.header }

// WriteHeader records the status of the response; only the first counts.
func (w *hijackWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

// Write adds p to the body of a refusal.
func (w *hijackWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

// Hijack writes the response head (the 101 of an upgrade) and hands over the
// connection, with the bytes read past the request head still to be read
// from the ReadWriter, then from the net.Conn.
func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.hijacked || w.hr == nil {
		return nil, nil, errors.New("transport/websocket: the connection cannot be hijacked")
	}
	w.hijacked = true
	bw := bufio.NewWriterSize(w.nc, 4<<10)
	if w.status != 0 {
		fmt.Fprintf(bw, "HTTP/1.1 %03d %s\r\n", w.status, http.StatusText(w.status))
		w.header.Write(bw)
		bw.WriteString("\r\n")
		if err := bw.Flush(); err != nil {
			return nil, nil, fmt.Errorf("transport/websocket: writing the response: %w", err)
		}
	}
	return &bufferedConn{Conn: w.nc, br: w.rest}, bufio.NewReadWriter(w.hr, bw), nil
}

// flushError writes the refusal that was set, if any and unless the
// connection was hijacked; the connection is to be closed after it.
func (w *hijackWriter) flushError() {
	if w.hijacked || w.status == 0 {
		return
	}
	resp := &http.Response{
		StatusCode:    w.status,
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		ContentLength: int64(w.body.Len()),
		Body:          io.NopCloser(&w.body),
		Close:         true,
	}
	resp.Write(w.nc)
}

// bufferedConn is a net.Conn whose first bytes were read into br: it reads
// those, then the connection. It lets go of br once br is empty.
type bufferedConn struct {
	net.Conn
	br *bufio.Reader // nil once empty
}

// Read reads what br holds, then the connection.
func (c *bufferedConn) Read(p []byte) (int, error) {
	if c.br != nil {
		if c.br.Buffered() > 0 {
			return c.br.Read(p)
		}
		c.br = nil
	}
	return c.Conn.Read(p)
}
