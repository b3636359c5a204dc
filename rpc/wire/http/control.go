package http

import (
	"strconv"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// control is the kind of a control request: a request that carries no
// call, which the framer answers itself, 204 No Content.
type control uint8

const (
	controlNone control = iota
	// controlCancel ("Rpc-Type: cancel") tells the server that the caller
	// of an earlier request on the connection gave up on it.
	controlCancel
	// controlGoAway ("Rpc-Type: goaway") carries "Connection: close" when
	// a client has no request to send it on: it is its last request.
	controlGoAway
)

// The control requests as a dmicro endpoint writes them. The path is not
// read (Rpc-Type tells a control request), but it is one no application
// routes, so that a server that does not know them answers 404.
const (
	cancelHead = "POST /.dmicro/cancel HTTP/1.1\r\nHost: dmicro\r\nRpc-Type: cancel\r\n"
	// Rpc-Cancel names a request by its ordinal on this connection, which
	// means nothing on another: listing it in Connection makes a proxy
	// drop it (RFC 9110, section 7.6.1), so that a cancel forwarded on
	// another connection cancels nothing rather than the wrong call.
	cancelTail   = "Connection: Rpc-Cancel\r\nContent-Length: 0\r\n\r\n"
	goAwayHeader = "POST /.dmicro/goaway HTTP/1.1\r\nHost: dmicro\r\nRpc-Type: goaway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
	// goAwayInterim tells a client at once that the server is going away,
	// as an interim response to the oldest request still owed its answer:
	// that answer, and with it every "Connection: close" behind it, may be
	// held up by a slow handler for as long as the handler runs. Clients
	// that do not know it skip it, as HTTP requires of unknown 1xx.
	goAwayInterim = "HTTP/1.1 102 Processing\r\nRpc-Type: goaway\r\n\r\n"
)

// nextOrd returns the ordinal of the next request this side writes. Its
// peer's reader counts the requests it reads the same way, from 1 and
// skipping 0 when it wraps, and gives each the count as its seq: the two
// agree on every request of one direction of the connection. The caller
// holds f.mu.
func (f *framer) nextOrd() uint32 {
	f.sentOrd++
	if f.sentOrd == 0 {
		f.sentOrd = 1
	}
	return f.sentOrd
}

// appendCancel appends the cancel request of the call with m's seq when
// this side sent it and its response has not been read, and may still
// send requests. Otherwise it writes nothing: the call was answered (the
// answer is dropped by the caller), or the connection is closing, and
// then the peer ends the handler when the connection closes.
func (f *framer) appendCancel(dst []byte, m *wire.Message) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.saidClose || f.peerClosed {
		return dst
	}
	i := f.sent0
	for ; i < len(f.sent); i++ {
		if r := &f.sent[i]; r.kind == sentCall && r.seq == m.Seq && !r.canceled {
			break
		}
	}
	if i == len(f.sent) {
		return dst
	}
	r := &f.sent[i]
	r.canceled = true // its response is read and dropped
	dst = append(dst, cancelHead...)
	dst = append(dst, "Rpc-Cancel: "...)
	dst = strconv.AppendUint(dst, uint64(r.ord), 10)
	dst = append(dst, "\r\n"...)
	if m.Code == wire.CodeCanceled || m.Code == wire.CodeDeadlineExceeded {
		dst = append(dst, "Rpc-Code: "...)
		dst = strconv.AppendInt(dst, int64(m.Code), 10)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, cancelTail...)
	f.sent = append(f.sent, sentReq{ord: f.nextOrd(), kind: sentControl})
	return f.flushDone(dst)
}

// appendGoAway writes a go-away without a Code. On the side that accepted
// the connection, every response from now on says "Connection: close",
// starting with the next one written; when a response is owed, the
// go-away interim response goes out now as well, so that a client learns
// it before the oldest call owed its answer ends (an HTTP/1.0 request may
// not be given an interim response: its client learns with the answer).
// On the side that dialed it writes
// the go-away request, its last request, unless it already wrote one or
// the peer is closing the connection anyway.
func (f *framer) appendGoAway(dst []byte, m *wire.Message) []byte {
	if m.Code != 0 {
		return dst // the connection closes at once; HTTP cannot say why
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.client {
		if f.goingAway {
			return dst
		}
		f.goingAway = true
		if o := &f.owed; o.len() > 0 && !o.slots[o.first].http10 {
			dst = append(dst, goAwayInterim...)
		}
		return dst
	}
	if f.saidClose || f.peerClosed {
		return dst
	}
	f.saidClose = true
	dst = append(dst, goAwayHeader...)
	f.sent = append(f.sent, sentReq{ord: f.nextOrd(), kind: sentControl})
	return f.flushDone(dst)
}

// controlRequest reads the rest of a cancel or go-away request whose head
// is read, answers it 204 No Content, and returns the cancel it carries:
// a TypeCancel of the call it names, when that call's response is still
// owed. A control request that names nothing, or a call already answered,
// gives errSkip. The body, if any, is read and dropped.
//
// The 204 goes out as answerNoContent says.
func (f *framer) controlRequest(m *wire.Message, seq uint32) error {
	h := &f.h
	var verdict *failure
	switch {
	case h.verb != verbPOST:
		verdict = malformed(statusMethodNotAllowed, false, "http: a control request must be a POST")
		verdict.allow = "POST"
	case h.hosts != 1 && !h.http10:
		verdict = malformed(statusBadRequest, false, "http: an HTTP/1.1 request needs one Host header")
	case h.bad != "":
		verdict = malformed(statusBadRequest, false, h.bad)
	case h.control == controlCancel && h.cancelBad:
		verdict = malformed(statusBadRequest, false, "http: invalid Rpc-Cancel")
	}
	if verdict == nil && h.expect100 && !h.http10 && (h.chunked || h.contentLength > 0) {
		f.sendContinue()
	}
	if _, err := f.readBody(m, false); err != nil {
		if fl, ok := err.(*failure); ok {
			return f.refuse(seq, fl)
		}
		return err
	}
	if verdict != nil {
		return f.refuse(seq, verdict)
	}

	closeAfter := h.wantsClose()
	var target uint32
	if h.control == controlCancel && h.cancelSeq != 0 {
		f.mu.Lock()
		if i := f.owed.findOrd(h.cancelSeq); i >= 0 && f.owed.slots[i].call {
			target = f.owed.slots[i].seq
		}
		f.mu.Unlock()
	}
	f.answerNoContent(slot{seq: seq, ord: f.ord, control: true, close: closeAfter, http10: h.http10, keepAlive: h.http10 && !closeAfter})
	if closeAfter {
		f.stop(responsesOnly)
	}
	if target == 0 {
		return errSkip
	}
	m.Type, m.Seq, m.Code = wire.TypeCancel, target, wire.CodeCanceled
	if h.hasCode && h.rpcCode == wire.CodeDeadlineExceeded {
		m.Code = wire.CodeDeadlineExceeded
	}
	return nil
}

// answerNoContent answers the request of slot s, which the framer answers
// itself, 204 No Content: through f.interim at once when no earlier
// response is owed; otherwise its slot waits, done, and goes out right
// after the responses before it.
func (f *framer) answerNoContent(s slot) {
	var now []byte
	f.mu.Lock()
	if f.owed.len() == 0 && f.interim != nil {
		f.ctrl = f.appendNoContent(f.ctrl[:0], &s)
		now = f.ctrl
	} else {
		s.done = true
		f.owed.add(s)
	}
	f.mu.Unlock()
	if now != nil {
		// No response can be queued before this one: the reader adds the
		// requests they answer, and it is here. Interim is called without
		// f.mu, which AppendMessage takes under the caller's queue lock.
		f.interim(now)
	}
}

// appendNoContent appends the 204 No Content that answers the control
// request of slot s. It has no body, and so no Content-Length. The caller
// holds f.mu.
func (f *framer) appendNoContent(dst []byte, s *slot) []byte {
	dst = append(dst, "HTTP/1.1 204 No Content\r\nDate: "...)
	dst = f.appendDate(dst)
	dst = append(dst, "\r\n"...)
	dst = f.appendConnection(dst, s)
	return append(dst, "\r\n"...)
}
