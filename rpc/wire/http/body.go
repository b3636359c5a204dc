package http

import (
	"io"
	"strconv"

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
// *failure for a chunked body over the limit or with broken framing, and
// for a body the budget cannot hold, which it skips (the stream in step).
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
		if err := m.Reserve(f.budget, n); err != nil {
			if err := f.discard(n); err != nil {
				return nil, err
			}
			return nil, overBudget(n, err)
		}
		buf := m.AllocBody(n) // the caller's Reset or Release gives it back, even on error
		if _, err := io.ReadFull(f.r, buf); err != nil {
			return nil, unexpected(err)
		}
		return buf, nil
	}
	return nil, nil
}

// readToEOF reads a body that lasts until the stream ends (a response
// without Content-Length or chunked framing), up to the limit. A body the
// budget cannot hold is read to its end and skipped, and gives a
// *failure.
func (f *framer) readToEOF(m *wire.Message, store bool) ([]byte, error) {
	var buf []byte
	var budgetErr error
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
		if store && budgetErr == nil {
			buf, budgetErr = f.grow(m, buf, n+k)
		}
		if store && budgetErr == nil {
			f.r.Read(buf[n : n+k]) // buffered: reads all k bytes
		} else {
			f.r.Discard(k)
		}
		n += k
	}
	if budgetErr != nil {
		m.Release()
		return nil, overBudget(n, budgetErr)
	}
	if buf == nil {
		return nil, nil // skipped, or empty
	}
	return buf[:n], nil
}

// grow returns buf, the body read so far into a pooled buffer that m
// holds, with room for need bytes in all: buf itself when it has the room,
// else a larger buffer m holds instead, with buf's bytes, at least twice as
// large unless the limit says otherwise. It reserves what it allocates
// from the budget first; when the budget cannot hold it, it returns buf
// and the error.
func (f *framer) grow(m *wire.Message, buf []byte, need int) ([]byte, error) {
	switch {
	case need <= len(buf):
		return buf, nil
	case buf == nil:
		if err := m.Reserve(f.budget, need); err != nil {
			return buf, err
		}
		return m.AllocBody(need), nil
	}
	size := max(need, min(2*len(buf), f.limit))
	if err := m.Reserve(f.budget, size-len(buf)); err != nil {
		return buf, err
	}
	return m.GrowBody(size), nil
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
