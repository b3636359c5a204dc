package http

import (
	"io"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// readChunked reads a chunked body (RFC 9112, section 7.1): chunks of a
// hexadecimal size line, that many bytes and a line ending, up to a chunk
// of size 0, then trailer lines up to an empty line. Chunk extensions and
// trailers are ignored. The body goes into a pooled buffer that m holds
// (store), or is skipped. A body over the limit gives a 413 failure as soon
// as a chunk size says so, without reading further; broken framing a 400
// failure. A body the budget cannot hold is skipped from the chunk that
// passes it on, read to its end, and gives a 503 failure.
func (f *framer) readChunked(m *wire.Message, store bool) ([]byte, error) {
	var buf []byte
	var budgetErr error
	n := 0
	for {
		f.h.size = 0 // each framing line is bounded alone
		line, err := f.readLine()
		if err != nil {
			return nil, chunkError(err)
		}
		size, ok := parseChunkSize(line)
		if !ok {
			return nil, malformed(statusBadRequest, true, "http: malformed chunk size")
		}
		if size == 0 {
			break
		}
		if size > int64(f.limit-n) {
			return nil, tooLarge(statusTooLarge, wrapTooLarge("http: chunked body over the limit"))
		}
		k := int(size)
		if store && budgetErr == nil {
			buf, budgetErr = f.grow(m, buf, n+k)
		}
		if store && budgetErr == nil {
			if _, err := io.ReadFull(f.r, buf[n:n+k]); err != nil {
				return nil, unexpected(err)
			}
		} else if err := f.discard(k); err != nil {
			return nil, err
		}
		n += k
		f.h.size = 0
		if line, err = f.readLine(); err != nil {
			return nil, chunkError(err)
		}
		if len(line) != 0 {
			return nil, malformed(statusBadRequest, true, "http: chunk data not followed by a line ending")
		}
	}
	if err := f.readTrailer(); err != nil {
		return nil, err
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

// readTrailer skips the trailer lines of a chunked body, up to the empty
// line that ends it, within the limits of a head.
func (f *framer) readTrailer() error {
	f.h.size = 0
	for lines := 0; ; lines++ {
		if lines > maxHeaderLines {
			return tooLarge(statusHeaderTooLarge, errTooManyLines)
		}
		line, err := f.readLine()
		if err != nil {
			return headError(err)
		}
		if len(line) == 0 {
			return nil
		}
	}
}

// chunkError turns an error of readLine inside chunked framing into the
// failure it means, or passes a read error through.
func chunkError(err error) error {
	switch err {
	case errLineTooLong, errHeadTooLarge:
		return malformed(statusBadRequest, true, "http: chunk framing line longer than 8 KiB")
	}
	return unexpected(err)
}

// parseChunkSize parses a chunk size line: hexadecimal digits, then
// optionally spaces and extensions after a ';'.
func parseChunkSize(line []byte) (int64, bool) {
	var n int64
	i := 0
	for ; i < len(line); i++ {
		d, ok := hexValue(line[i])
		if !ok {
			break
		}
		if i >= 15 {
			return 0, false // more than 60 bits
		}
		n = n<<4 | int64(d)
	}
	if i == 0 {
		return 0, false
	}
	r := trimOWS(line[i:])
	if len(r) > 0 && r[0] != ';' {
		return 0, false
	}
	return n, true
}

// hexValue returns the value of a hexadecimal digit.
func hexValue(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
