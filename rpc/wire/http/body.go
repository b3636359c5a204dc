package http

import (
	"io"
	"strconv"

	"github.com/dmicro-go/dmicro/internal/bufpool"
	"github.com/dmicro-go/dmicro/rpc/wire"
)

// discardChunk bounds one bufio.Reader.Discard call.
const discardChunk = 1 << 30

// errBodyTooLarge returns the error of a body of n bytes over limit.
func errBodyTooLarge(n int64, limit int) error {
	return wrapTooLarge("http: body of " + strconv.FormatInt(n, 10) + " bytes, limit " + strconv.Itoa(limit))
}

// readBody reads the body the head announces, by its Content-Length or
// chunked, into a pooled buffer that m holds (store), or skips it. The
// caller has checked a Content-Length against the limit. It returns a
// *failure for a chunked body over the limit or with broken framing.
func (f *framer) readBody(m *wire.Message, store bool) ([]byte, error) {
	h := &f.h
	switch {
	case h.chunked:
		return f.readChunked(m, store)
	case h.contentLength > 0:
		n := int(h.contentLength)
		if !store {
			return nil, f.discard(n)
		}
		buf := bufpool.Get(n)
		m.Hold(buf) // the caller's Reset or Release gives it back, even on error
		if _, err := io.ReadFull(f.r, *buf); err != nil {
			return nil, unexpected(err)
		}
		return *buf, nil
	}
	return nil, nil
}

// readToEOF reads a body that lasts until the stream ends (a response
// without Content-Length or chunked framing), up to the limit.
func (f *framer) readToEOF(m *wire.Message, store bool) ([]byte, error) {
	var buf *[]byte
	n := 0
	for {
		if _, err := f.r.Peek(1); err != nil {
			if err == io.EOF {
				break
			}
			return nil, err
		}
		k := f.r.Buffered()
		if k > f.limit-n {
			return nil, tooLarge(statusTooLarge, wrapTooLarge("http: body over the limit of "+strconv.Itoa(f.limit)+" bytes"))
		}
		if store {
			buf = f.grow(m, buf, n, n+k)
			f.r.Read((*buf)[n : n+k]) // buffered: reads all k bytes
		} else {
			f.r.Discard(k)
		}
		n += k
	}
	if buf == nil {
		return nil, nil
	}
	*buf = (*buf)[:n]
	return *buf, nil
}

// grow returns a pooled buffer that m holds, with room for need bytes and
// the first n bytes of buf, and whose length is its capacity.
func (f *framer) grow(m *wire.Message, buf *[]byte, n, need int) *[]byte {
	if buf != nil && need <= cap(*buf) {
		*buf = (*buf)[:cap(*buf)]
		return buf
	}
	size := need
	if buf != nil {
		size = max(need, min(2*cap(*buf), f.limit))
	}
	nb := bufpool.Get(size)
	*nb = (*nb)[:cap(*nb)]
	if buf != nil {
		copy(*nb, (*buf)[:n])
	}
	m.Hold(nb) // gives the old buffer back
	return nb
}

// discard skips n bytes of the stream without storing them.
func (f *framer) discard(n int) error {
	for n > 0 {
		k := min(n, discardChunk)
		if _, err := f.r.Discard(k); err != nil {
			return unexpected(err)
		}
		n -= k
	}
	return nil
}
