package http

import (
	"strconv"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// readResponse reads the response whose status line is line into m, as
// the reply to this side's oldest request still unanswered. skip is true
// for a response that makes no message: an interim (1xx) response, and
// the answer to a push, to a cancel or go-away request, or to a call the
// caller gave up on.
func (f *framer) readResponse(m *wire.Message, line []byte) (skip bool, err error) {
	h := &f.h
	status, ok := f.statusLine(line)
	if !ok {
		f.stop(draining)
		return false, wrapMalformed("http: malformed status line")
	}
	if err := f.readFields(); err != nil {
		fl, ok := err.(*failure)
		if !ok {
			return false, err
		}
		f.stop(draining)
		req, ok := f.popSent()
		if !ok {
			return false, fl.err
		}
		return false, req.error(fl.err, 0, true)
	}
	if status < 200 {
		if status == statusSwitching {
			f.stop(draining)
			return false, wrapMalformed("http: the peer switched protocols")
		}
		if h.control == controlGoAway {
			// The peer goes away while the answer to this side's oldest
			// request is still owed: send no new request, as after a
			// "Connection: close", and read on for the answers owed.
			f.peerGoesAway()
		}
		return true, nil // 100 Continue and other interim responses
	}
	req, ok := f.popSent()
	if !ok {
		f.stop(draining)
		return false, wrapMalformed("http: a response to no request")
	}
	switch {
	case h.badFraming != "":
		f.stop(draining)
		return false, req.error(wrapMalformed(h.badFraming), 0, true)
	case h.chunked && h.contentLength >= 0:
		f.stop(draining)
		return false, req.error(wrapMalformed("http: both Content-Length and Transfer-Encoding"), 0, true)
	case h.contentLength > int64(f.limit):
		f.stop(draining)
		return false, req.error(errBodyTooLarge(h.contentLength, f.limit), 0, true)
	case req.kind == sentControl && status < 300 && status != statusNoContent:
		// A dmicro server answers a control request 204 and nothing else
		// that succeeds: a success with a body answers another request,
		// and every response from here on would go to the wrong call.
		f.stop(draining)
		return false, req.error(wrapMalformed("http: a "+strconv.Itoa(status)+" answers a cancel or go-away request: the responses are out of step"), 0, true)
	}
	closeAfter := h.wantsClose()
	silent := req.silent()
	store := !silent && h.metaOver == "" // a response over the caps is skipped, then refused
	var body []byte
	switch {
	case status == statusNoContent || status == statusNotModified:
	case h.chunked || h.contentLength >= 0:
		body, err = f.readBody(m, store)
	default: // the body lasts until the connection closes
		closeAfter = true
		body, err = f.readToEOF(m, store)
	}
	var skipped *failure // a body that was skipped, the stream in step
	if err != nil {
		m.Release()
		fl, ok := err.(*failure)
		if !ok {
			return false, err
		}
		if fl.close {
			f.stop(draining)
			return false, req.error(fl.err, fl.code, true)
		}
		skipped = fl
	}
	if closeAfter {
		// The peer closes after this response: this side sends no more
		// requests, and tells its caller once the response is delivered.
		// Reading goes on: a dmicro peer still answers the requests that
		// crossed the close on the wire.
		f.peerGoesAway()
	}
	if silent {
		return true, nil // nobody waits for this response
	}
	switch {
	case skipped != nil:
		return false, req.error(skipped.err, skipped.code, false)
	case h.metaOver != "":
		return false, req.error(wrapTooLarge(h.metaOver), wire.CodeTooLarge, false)
	}

	m.Type, m.Seq = wire.TypeReply, req.seq
	f.takeMeta(&m.Meta)
	if status >= 200 && status < 300 {
		switch {
		case h.bad != "":
			m.Release()
			return false, req.error(wrapMalformed(h.bad), 0, false)
		case h.codecHdr >= 0:
			m.Codec = byte(h.codecHdr)
		case h.ctypeBad:
			m.Release()
			return false, req.error(wrapMalformed("http: unsupported Content-Type in a response"), wire.CodeCodec, false)
		default:
			m.Codec = h.codec
		}
		m.Filters = append(m.Filters[:0], h.filters...)
		if len(body) > 0 {
			m.Body = body
		}
		return false, nil
	}
	code, msg, ok := parseErrorBody(body)
	m.Release()
	if !ok {
		code = codeFor(status)
		if h.hasCode {
			code = h.rpcCode
		}
		msg = statusText(status)
		if len(f.reason) > 0 {
			msg = string(f.reason)
		}
	}
	m.Code, m.Error = code, msg
	return false, nil
}

// peerGoesAway records that the peer closes the connection once it has
// answered the requests it read: this side sends no more requests (no
// cancel either) and, after returning its go-away, reads on for the
// answers owed.
func (f *framer) peerGoesAway() {
	f.mu.Lock()
	f.peerClosed = true
	f.mu.Unlock()
	f.stop(reading)
}

// statusLine parses "HTTP/1.1 200 OK" into f.h and f.reason.
func (f *framer) statusLine(line []byte) (int, bool) {
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || !isDigit(line[7]) || line[8] != ' ' ||
		!isDigit(line[9]) || !isDigit(line[10]) || !isDigit(line[11]) || line[9] == '0' {
		return 0, false
	}
	if len(line) > 12 && line[12] != ' ' {
		return 0, false
	}
	status := int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
	f.h.http10 = line[7] == '0'
	f.reason = f.reason[:0]
	if len(line) > 13 {
		f.reason = append(f.reason, line[13:]...)
	}
	return status, true
}

// popSent removes and returns this side's oldest request still unanswered.
func (f *framer) popSent() (sentReq, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sent0 == len(f.sent) {
		return sentReq{}, false
	}
	r := f.sent[f.sent0]
	f.sent0++
	if f.sent0 == len(f.sent) {
		f.sent, f.sent0 = f.sent[:0], 0
	}
	return r, true
}

// error returns the MessageError of an unusable response to r. The answer
// to a push is reported as a push, and the answer to a cancel or go-away
// request or to a canceled call as a cancel: the caller drops both, and
// closes the connection when close is set.
func (r sentReq) error(err error, code int32, close bool) error {
	t := wire.TypeReply
	switch {
	case r.kind == sentPush:
		t = wire.TypePush
	case r.silent():
		t = wire.TypeCancel
	}
	return &wire.MessageError{Type: t, Seq: r.seq, Err: err, Code: code, Close: close}
}

// appendResponse appends the response that answers the request of slot s
// with the reply m. The caller holds f.mu.
func (f *framer) appendResponse(dst []byte, s *slot, m *wire.Message) ([]byte, error) {
	var (
		status   int
		code     int32
		msg      string
		body     []byte
		ctype    string
		codecHdr = -1
		md       = &m.Meta
		filters  []byte
	)
	switch {
	case s.status != 0: // the framer refused the request
		status, code = s.status, m.Code
		if code == 0 {
			code = s.code
		}
	case m.Code != 0:
		status, code = statusFor(m.Code), m.Code
	case s.push:
		status = statusAccepted
	default:
		status, body, filters = statusOK, m.Body, m.Filters
		if len(body) > 0 && m.Codec != 0 {
			if ctype = mediaType(m.Codec); ctype == "" {
				ctype, codecHdr = "application/octet-stream", int(m.Codec)
			}
		}
	}
	why := metaError(md)
	if why == "" && metaSize(md) > maxHeadBytes/2 {
		why = "http: reply metadata over 32 KiB"
	}
	if why == "" {
		why = filtersError(filters)
	}
	if why != "" {
		// The reply cannot be carried: the request must still be answered.
		status, code, msg, md, filters, codecHdr = statusInternal, wire.CodeInternal, why, nil, nil, -1
	}
	if code != 0 {
		if msg == "" {
			msg = m.Error
		}
		if msg == "" {
			msg = statusText(status)
		}
		f.scratch = appendErrorBody(f.scratch[:0], code, msg)
		body, ctype, codecHdr = f.scratch, "application/json", -1
	}
	if len(body) > f.limit {
		return dst, wrapTooLarge("http: response body is " + strconv.Itoa(len(body)) + " bytes, limit " + strconv.Itoa(f.limit))
	}

	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, statusText(status)...)
	dst = append(dst, "\r\nDate: "...)
	dst = f.appendDate(dst)
	dst = append(dst, "\r\n"...)
	if ctype != "" {
		dst = append(dst, "Content-Type: "...)
		dst = append(dst, ctype...)
		dst = append(dst, "\r\n"...)
	}
	if codecHdr >= 0 {
		dst = append(dst, "Rpc-Codec: "...)
		dst = strconv.AppendInt(dst, int64(codecHdr), 10)
		dst = append(dst, "\r\n"...)
	}
	dst = appendLength(dst, len(body))
	if code != 0 {
		dst = append(dst, "Rpc-Code: "...)
		dst = strconv.AppendInt(dst, int64(code), 10)
		dst = append(dst, "\r\n"...)
	}
	if s.allow != "" {
		dst = append(dst, "Allow: "...)
		dst = append(dst, s.allow...)
		dst = append(dst, "\r\n"...)
	}
	dst = appendFilters(dst, filters)
	if md != nil {
		dst = appendMeta(dst, md)
	}
	dst = f.appendConnection(dst, s)
	dst = append(dst, "\r\n"...)
	if !s.head {
		dst = append(dst, body...)
	}
	return dst, nil
}
