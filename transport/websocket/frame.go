package websocket

import (
	"encoding/binary"
	"fmt"

	"github.com/coder/websocket"
)

// The opcodes of RFC 6455, section 5.2.
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

const (
	// maxFrameHeader is the longest frame header: 2 bytes, a 64-bit
	// length and a masking key.
	maxFrameHeader = 2 + 8 + 4
	// maxControlPayload is the largest payload of a control frame.
	maxControlPayload = 125
)

// frameFault is a frame header that breaks RFC 6455 or the message size
// limit: the connection is to be closed with code, saying reason.
type frameFault struct {
	code   websocket.StatusCode
	reason string // at most 123 bytes, the room in a close frame
}

func (f *frameFault) Error() string {
	return fmt.Sprintf("transport/websocket: %s (closed with status %d)", f.reason, int(f.code))
}

// Unwrap gives websocket.ErrMessageTooBig for a message over the limit.
func (f *frameFault) Unwrap() error {
	if f.code == websocket.StatusMessageTooBig {
		return websocket.ErrMessageTooBig
	}
	return nil
}

// protocolFault is a fault closed with status 1002 (protocol error).
func protocolFault(format string, args ...any) *frameFault {
	return &frameFault{code: websocket.StatusProtocolError, reason: fmt.Sprintf(format, args...)}
}

// frameScanner follows the frames a client sends (RFC 6455, section 5.2)
// from the bytes that pass, without keeping them, and finds the first
// header at fault: reserved bits set (no extension is negotiated), an
// unknown opcode, a fragmented or oversized control frame, a continuation
// outside a fragmented message or a new message inside one, a frame that
// is not masked, a 64-bit length whose most significant bit is set (all
// closed with 1002, protocol error), and a data frame that takes its
// message past limit bytes (1009, message too big), as soon as the length
// is read. It skips payloads by their length.
type frameScanner struct {
	limit int64 // the largest message; negative: none

	hdr     [maxFrameHeader]byte
	hdrN    int    // bytes of hdr read
	payload uint64 // bytes of the current frame's payload still to come

	inMessage bool  // a fragmented data message is unfinished
	msgLen    int64 // the bytes of the data message so far
}

// scan follows p, the next bytes the client sent. It returns len(p) and
// nil when no header in p is at fault; otherwise the offset in p where
// the faulty frame's header starts (0 when it started before p) and the
// fault. Once it has found a fault it must not be called again.
func (fs *frameScanner) scan(p []byte) (int, *frameFault) {
	for i := 0; i < len(p); {
		if fs.payload > 0 {
			k := min(fs.payload, uint64(len(p)-i))
			fs.payload -= k
			i += int(k)
			continue
		}
		start := i - fs.hdrN // where the header began, if in p
		for i < len(p) && fs.payload == 0 {
			fs.hdr[fs.hdrN] = p[i]
			fs.hdrN++
			i++
			done, f := fs.header()
			if f != nil {
				return max(start, 0), f
			}
			if done {
				break
			}
		}
	}
	return len(p), nil
}

// header checks the header bytes read so far. It reports whether the
// header is whole, and then starts its payload, or the first fault found.
func (fs *frameScanner) header() (done bool, f *frameFault) {
	h := fs.hdr[:fs.hdrN]
	b0 := h[0]
	fin, op := b0&0x80 != 0, b0&0x0F
	control := op >= opClose
	if len(h) == 1 {
		switch {
		case b0&0x70 != 0:
			return false, protocolFault("reserved bits 0x%02x set with no extension", b0&0x70)
		case op != opContinuation && op != opText && op != opBinary && op != opClose && op != opPing && op != opPong:
			return false, protocolFault("unknown opcode 0x%x", op)
		case control && !fin:
			return false, protocolFault("fragmented control frame")
		case op == opContinuation && !fs.inMessage:
			return false, protocolFault("continuation frame outside a fragmented message")
		case (op == opText || op == opBinary) && fs.inMessage:
			return false, protocolFault("new message inside a fragmented message")
		}
		return false, nil
	}
	b1 := h[1]
	if len(h) == 2 {
		switch {
		case b1&0x80 == 0:
			return false, protocolFault("unmasked client frame")
		case control && b1&0x7F > maxControlPayload:
			return false, protocolFault("control frame with a payload over %d bytes", maxControlPayload)
		}
	}
	extra := 0
	switch b1 & 0x7F {
	case 126:
		extra = 2
	case 127:
		extra = 8
	}
	if len(h) < 2+extra {
		return false, nil
	}
	var n uint64
	switch extra {
	case 0:
		n = uint64(b1 & 0x7F)
	case 2:
		n = uint64(binary.BigEndian.Uint16(h[2:]))
	case 8:
		n = binary.BigEndian.Uint64(h[2:])
	}
	if len(h) == 2+extra {
		if n>>63 != 0 {
			return false, protocolFault("64-bit payload length with its most significant bit set")
		}
		if !control && fs.limit >= 0 && int64(n) > fs.limit-fs.msgLen {
			return false, &frameFault{
				code:   websocket.StatusMessageTooBig,
				reason: fmt.Sprintf("message of %d bytes or more, over the limit of %d", uint64(fs.msgLen)+n, fs.limit),
			}
		}
	}
	if len(h) < 2+extra+4 {
		return false, nil // the masking key
	}
	if !control {
		fs.inMessage = !fin
		switch {
		case fin:
			fs.msgLen = 0
		case fs.limit >= 0:
			fs.msgLen += int64(n) // at most limit, as checked
		}
	}
	fs.hdrN, fs.payload = 0, n
	return true, nil
}
