package kcp

import (
	"bufio"
	"fmt"
	"io"
)

// The chunk types of the session layer (FORMAT.md).
const (
	chunkOpen   byte = 0x01
	chunkAccept byte = 0x02
	chunkData   byte = 0x03
	chunkPing   byte = 0x04
	chunkPong   byte = 0x05
	chunkClose  byte = 0x06
)

const (
	// headerSize is a chunk's type and length.
	headerSize = 4
	// maxDataChunk caps the DATA payloads this side writes.
	maxDataChunk = 64 << 10
	// maxControl caps the payload of a control chunk.
	maxControl = 1024
	// version is the payload of OPEN and ACCEPT.
	version = "dmicro-kcp/1"
)

// appendHeader appends the header of a chunk of type typ with an n-byte
// payload.
func appendHeader(dst []byte, typ byte, n int) []byte {
	return append(dst, typ, byte(n>>16), byte(n>>8), byte(n))
}

// chunkReader reads chunks from a stream. Every read may stop at a timeout
// and be called again: the reader keeps a partly read header or control
// payload, so the stream stays in step. The stream may be swapped between
// reads for one that goes on from the same place, as a connection does
// when it starts buffering after the opening.
type chunkReader struct {
	r         io.Reader
	data      int // bytes of the current DATA chunk not yet read
	hdr       [headerSize]byte
	hdrN      int // bytes of hdr read
	ctrl      []byte
	ctrlWant  int // the length of the control payload being read; -1: none
	ctrlType  byte
	chunkSeen bool // a chunk was read whole: OPEN and ACCEPT may no longer come
}

func newChunkReader(r io.Reader) *chunkReader {
	return &chunkReader{r: r, ctrlWant: -1}
}

// next reads up to the next chunk. For DATA it returns once the header is
// read, with data set to its length; readData then reads the payload. For
// a control chunk it returns the payload, valid until the next call.
// Errors of the stream are returned as they are, io.EOF included; a chunk
// that breaks the format gives an error wrapping ErrProtocol.
func (cr *chunkReader) next() (typ byte, payload []byte, err error) {
	if cr.ctrlWant < 0 {
		for cr.hdrN < headerSize {
			n, err := cr.r.Read(cr.hdr[cr.hdrN:])
			cr.hdrN += n
			if err != nil {
				if err == io.EOF && cr.hdrN > 0 {
					err = io.ErrUnexpectedEOF
				}
				return 0, nil, err
			}
		}
		cr.hdrN = 0
		typ = cr.hdr[0]
		n := int(cr.hdr[1])<<16 | int(cr.hdr[2])<<8 | int(cr.hdr[3])
		switch {
		case typ == chunkData:
			cr.data = n
			cr.chunkSeen = true
			return chunkData, nil, nil
		case typ < chunkOpen || typ > chunkClose:
			return 0, nil, fmt.Errorf("%w: unknown chunk type 0x%02x", ErrProtocol, typ)
		case n > maxControl:
			return 0, nil, fmt.Errorf("%w: control chunk 0x%02x of %d bytes, limit %d", ErrProtocol, typ, n, maxControl)
		}
		if cap(cr.ctrl) < n {
			cr.ctrl = make([]byte, 0, n)
		}
		cr.ctrlType, cr.ctrlWant, cr.ctrl = typ, n, cr.ctrl[:0]
	}
	for len(cr.ctrl) < cr.ctrlWant {
		k, err := cr.r.Read(cr.ctrl[len(cr.ctrl):cr.ctrlWant])
		cr.ctrl = cr.ctrl[:len(cr.ctrl)+k]
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, nil, err
		}
	}
	typ, payload = cr.ctrlType, cr.ctrl
	if (typ == chunkOpen || typ == chunkAccept) && cr.chunkSeen {
		return 0, nil, fmt.Errorf("%w: chunk 0x%02x after the opening", ErrProtocol, typ)
	}
	cr.ctrlWant, cr.chunkSeen = -1, true
	return typ, payload, nil
}

// readData reads from the payload of the current DATA chunk into p.
func (cr *chunkReader) readData(p []byte) (int, error) {
	n, err := cr.r.Read(p[:min(len(p), cr.data)])
	cr.data -= n
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// discardData drops the rest of the payload of the current DATA chunk.
func (cr *chunkReader) discardData() error {
	if br, ok := cr.r.(*bufio.Reader); ok {
		n, err := br.Discard(cr.data)
		cr.data -= n
		return err
	}
	n, err := io.CopyN(io.Discard, cr.r, int64(cr.data))
	cr.data -= int(n)
	return err
}
