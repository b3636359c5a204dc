package http

import (
	"net/url"
	"slices"
	"strconv"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// verb is a request method, as far as the format tells them apart.
type verb uint8

const (
	verbOther verb = iota
	verbPOST
	verbGET
	verbHEAD
)

// continueResponse is the interim response to "Expect: 100-continue".
var continueResponse = []byte("HTTP/1.1 100 Continue\r\n\r\n")

// readRequest reads the request whose first line is line (or whose first
// line was too long: lineErr) into m.
func (f *framer) readRequest(m *wire.Message, line []byte, lineErr error) error {
	f.ord++
	if f.ord == 0 {
		f.ord = 1
	}
	seq := f.nextSeq()
	var err error
	if lineErr != nil {
		err = headError(lineErr)
	} else if fl := f.requestLine(line); fl != nil {
		err = fl
	} else {
		err = f.readFields()
	}
	if err != nil {
		if fl, ok := err.(*failure); ok {
			return f.refuse(seq, fl)
		}
		return err
	}
	return f.requestBody(m, seq)
}

// requestLine parses "METHOD target HTTP/1.1" into f.h and f.target.
func (f *framer) requestLine(line []byte) *failure {
	sp1 := index(line, ' ')
	if sp1 < 0 {
		return malformed(statusBadRequest, true, "http: malformed request line")
	}
	method, rest := line[:sp1], line[sp1+1:]
	if !isToken(method) {
		return malformed(statusBadRequest, true, "http: request method is not a token")
	}
	sp2 := index(rest, ' ')
	if sp2 <= 0 {
		return malformed(statusBadRequest, true, "http: malformed request line")
	}
	target, version := rest[:sp2], rest[sp2+1:]
	for _, c := range target {
		if c <= ' ' || c >= 0x7f {
			return malformed(statusBadRequest, true, "http: malformed request target")
		}
	}
	if len(version) != 8 || string(version[:5]) != "HTTP/" || !isDigit(version[5]) || version[6] != '.' || !isDigit(version[7]) {
		return malformed(statusBadRequest, true, "http: malformed HTTP version")
	}
	if version[5] != '1' {
		return malformed(statusBadVersion, true, "http: unsupported HTTP version "+string(version))
	}
	f.h.http10 = version[7] == '0'
	switch string(method) {
	case "POST":
		f.h.verb = verbPOST
	case "GET":
		f.h.verb = verbGET
	case "HEAD":
		f.h.verb = verbHEAD
	}
	f.target = append(f.target[:0], target...)
	return nil
}

// requestBody checks the head just read, reads the body and fills m, or
// refuses the request.
func (f *framer) requestBody(m *wire.Message, seq uint32) error {
	h := &f.h
	switch {
	case h.badFraming != "":
		return f.refuse(seq, malformed(statusBadRequest, true, h.badFraming))
	case h.chunked && h.contentLength >= 0:
		return f.refuse(seq, malformed(statusBadRequest, true, "http: both Content-Length and Transfer-Encoding"))
	case h.chunked && h.http10:
		return f.refuse(seq, malformed(statusBadRequest, true, "http: Transfer-Encoding in an HTTP/1.0 request"))
	case h.contentLength > int64(f.limit):
		return f.refuse(seq, tooLarge(statusTooLarge, errBodyTooLarge(h.contentLength, f.limit)))
	case h.control != controlNone:
		return f.controlRequest(m, seq)
	}
	path, query, pathOK := f.requestPath()
	verdict := f.verdict(path, pathOK)
	if h.expect100 && !h.http10 && (h.chunked || h.contentLength > 0) {
		f.sendContinue()
	}
	store := verdict == nil && h.verb == verbPOST
	rpcBody := store && f.isJSONRPC(path)
	into := m
	if rpcBody {
		into = &f.rpcIn // kept until the body's last message is handed out
	}
	body, err := f.readBody(into, store)
	if err != nil {
		into.Release()
		if fl, ok := err.(*failure); ok {
			return f.refuse(seq, fl)
		}
		return err
	}
	if verdict == nil && h.verb == verbPOST && h.codecHdr < 0 && !h.ctypeSeen && len(body) > 0 {
		verdict = malformed(statusUnsupportedMedia, false, "http: a body without Content-Type")
	}
	if verdict == nil && rpcBody && len(body) > 0 && (h.codecHdr >= 0 || h.codec != codecJSON) {
		verdict = malformed(statusUnsupportedMedia, false, "http: a JSON-RPC body must be application/json")
	}
	if verdict != nil {
		into.Release()
		return f.refuse(seq, verdict)
	}
	if rpcBody {
		return f.startBody(m, seq, body)
	}

	m.Type = wire.TypeCall
	if h.push {
		m.Type = wire.TypePush
	}
	m.Method, m.Timeout, m.ReplyCodec = path, h.timeout, h.accept
	m.Codec = h.codec
	if h.codecHdr >= 0 {
		m.Codec = byte(h.codecHdr)
	}
	if h.verb == verbGET {
		m.Body, m.Codec = nil, 0
		if len(query) > 0 {
			if err := m.Reserve(f.budget, len(query)); err != nil {
				return f.refuse(seq, overBudget(len(query), err))
			}
			buf := m.AllocBody(len(query))
			copy(buf, query)
			m.Body, m.Codec = buf, codecForm
		}
	} else if len(body) > 0 {
		m.Body = body
	}
	m.Filters = append(m.Filters[:0], h.filters...)
	f.takeMeta(&m.Meta)
	m.Seq = seq
	closeAfter := h.wantsClose()
	f.addSlot(slot{
		seq:       seq,
		ord:       f.ord,
		call:      m.Type == wire.TypeCall,
		push:      m.Type == wire.TypePush,
		close:     closeAfter,
		http10:    h.http10,
		keepAlive: h.http10 && !closeAfter,
	})
	if closeAfter {
		f.stop(responsesOnly)
	}
	return nil
}

// wantsClose reports whether the request asked for the connection to close
// after its response: "Connection: close", or HTTP/1.0 without
// "Connection: keep-alive".
func (h *head) wantsClose() bool {
	return h.close || h.http10 && !h.keepAlive
}

// requestPath returns the routed path of the request target, and its
// query. The target is a path ("/math/add?x=1") or an absolute URL; the
// path is percent-decoded.
func (f *framer) requestPath() (path string, query []byte, ok bool) {
	t := f.target
	if len(t) == 0 || t[0] != '/' {
		var scheme int
		switch {
		case hasPrefixFold(t, "http://"):
			scheme = len("http://")
		case hasPrefixFold(t, "https://"):
			scheme = len("https://")
		default:
			return "", nil, false
		}
		i := scheme
		for i < len(t) && t[i] != '/' && t[i] != '?' {
			i++
		}
		t = t[i:]
	}
	p := t
	if q := index(t, '?'); q >= 0 {
		p, query = t[:q], t[q+1:]
	}
	if index(t, '#') >= 0 {
		return "", nil, false
	}
	if len(p) == 0 {
		return "/", query, true
	}
	if index(p, '%') < 0 {
		return f.methods.Intern(p), query, true
	}
	s, err := url.PathUnescape(string(p))
	if err != nil {
		return "", nil, false
	}
	return s, query, true
}

// verdict returns the failure of a request whose head is read, or nil
// when it is a call or push to read.
func (f *framer) verdict(path string, pathOK bool) *failure {
	h := &f.h
	switch h.verb {
	case verbPOST:
	case verbGET:
		if pathOK && f.get[path] {
			break
		}
		fl := malformed(statusMethodNotAllowed, false, "http: GET is not allowed for "+quote(path))
		fl.allow = "POST"
		return fl
	default:
		fl := malformed(statusMethodNotAllowed, false, "http: only POST is allowed")
		fl.allow = "POST"
		if pathOK && f.get[path] {
			fl.allow = "GET, POST"
		}
		return fl
	}
	switch {
	case !pathOK:
		return malformed(statusBadRequest, false, "http: invalid request target")
	case h.hosts != 1 && !h.http10:
		return malformed(statusBadRequest, false, "http: an HTTP/1.1 request needs one Host header")
	case f.rpcPath != "" && path == f.rpcPath && f.rpcProto == nil:
		return malformed(statusNotImplemented, false, "http: JSON-RPC is not available on this endpoint")
	case h.bad != "":
		return malformed(statusBadRequest, false, h.bad)
	case h.metaOver != "":
		return metaTooLarge(h.metaOver)
	case h.verb == verbPOST && h.codecHdr < 0 && h.ctypeBad:
		return malformed(statusUnsupportedMedia, false, "http: unsupported Content-Type")
	case h.verb == verbPOST && h.codecHdr < 0 && !h.ctypeSeen && h.contentLength > 0:
		return malformed(statusUnsupportedMedia, false, "http: a body without Content-Type")
	}
	return nil
}

// isJSONRPC reports whether the bodies of POST requests to path carry
// JSON-RPC.
func (f *framer) isJSONRPC(path string) bool {
	return f.rpcProto != nil && f.rpcPath != "" && path == f.rpcPath
}

// nextSeq gives out the seqs of the messages the reader hands over: one per
// request, and one per message of a JSON-RPC body.
func (f *framer) nextSeq() uint32 {
	f.seq++
	if f.seq == 0 {
		f.seq = 1
	}
	return f.seq
}

// sendContinue queues "100 Continue" unless a response to an earlier
// request is still owed: the interim response must not overtake it, and
// the client sends the body after its own timeout anyway.
func (f *framer) sendContinue() {
	if f.interim == nil {
		return
	}
	f.mu.Lock()
	idle := f.owed.len() == 0
	f.mu.Unlock()
	if idle {
		// No response can be queued before this one: the reader adds the
		// requests they answer, and it is here.
		f.interim(continueResponse)
	}
}

// refuse answers a request the framer will not hand over: it records the
// status its reply is rendered with and returns the MessageError that
// makes the caller reply.
func (f *framer) refuse(seq uint32, fl *failure) error {
	closeAfter := fl.close || f.h.wantsClose()
	first := f.addSlot(slot{
		seq:       seq,
		ord:       f.ord,
		status:    fl.status,
		code:      fl.code,
		allow:     fl.allow,
		head:      f.h.verb == verbHEAD,
		close:     closeAfter,
		http10:    f.h.http10,
		keepAlive: f.h.http10 && !closeAfter,
	})
	switch {
	case fl.close:
		f.stop(draining)
	case closeAfter:
		f.stop(responsesOnly)
	}
	// Close lets the caller close the connection once its queue is
	// written; that is only right when no earlier response is held here.
	// Otherwise the go-away the next read returns closes it once every
	// handler has answered.
	return &wire.MessageError{Type: wire.TypeCall, Seq: seq, Err: fl.err, Code: fl.code, Close: fl.close && first}
}

// addSlot records a response owed and reports whether it is the only one.
func (f *framer) addSlot(s slot) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.owed.add(s)
	return f.owed.len() == 1
}

// appendRequest appends a call or push as a POST request and remembers
// it, so that the response is matched to its seq.
func (f *framer) appendRequest(dst []byte, m *wire.Message) ([]byte, error) {
	if len(m.Method) == 0 || m.Method[0] != '/' {
		return dst, wrapMalformed("http: method " + quote(m.Method) + " does not start with /")
	}
	if len(m.Body) > f.limit {
		return dst, wrapTooLarge("http: " + m.Type.String() + " body is " + strconv.Itoa(len(m.Body)) + " bytes, limit " + strconv.Itoa(f.limit))
	}
	if why := metaError(&m.Meta); why != "" {
		return dst, wrapMalformed(why)
	}
	if why := filtersError(m.Filters); why != "" {
		return dst, wrapMalformed(why)
	}
	size := 256 + 3*len(m.Method) + 4*len(m.Filters) + metaSize(&m.Meta) // at least the head's size
	if size > maxHeadBytes {
		return dst, wrapTooLarge("http: request head over 64 KiB")
	}
	dst = slices.Grow(dst, size+len(m.Body))
	dst = append(dst, "POST "...)
	dst = appendPath(dst, m.Method)
	dst = append(dst, " HTTP/1.1\r\nHost: dmicro\r\n"...)
	if m.Type == wire.TypePush {
		dst = append(dst, "Rpc-Type: push\r\n"...)
	}
	dst = appendContentType(dst, m.Codec, len(m.Body))
	dst = appendLength(dst, len(m.Body))
	if m.Timeout != 0 {
		dst = append(dst, "Rpc-Timeout: "...)
		dst = strconv.AppendUint(dst, wire.TimeoutToMicros(m.Timeout), 10)
		dst = append(dst, "us\r\n"...)
	}
	dst = appendFilters(dst, m.Filters)
	dst = appendMeta(dst, &m.Meta)
	dst = append(dst, "\r\n"...)
	dst = append(dst, m.Body...)

	kind := sentCall
	if m.Type == wire.TypePush {
		kind = sentPush
	}
	f.mu.Lock()
	f.sent = append(f.sent, sentReq{seq: m.Seq, ord: f.nextOrd(), kind: kind})
	dst = f.flushDone(dst)
	f.mu.Unlock()
	return dst, nil
}

// appendPath appends a method as a request path, percent-encoding every
// byte that may not stand for itself in a path, and '%'.
func appendPath(dst []byte, p string) []byte {
	const hex = "0123456789ABCDEF"
	for i := range len(p) {
		c := p[i]
		if isPathByte(c) {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', hex[c>>4], hex[c&0xf])
		}
	}
	return dst
}

// isPathByte reports whether c stands for itself in a path: unreserved
// characters, sub-delimiters, ':', '@' and '/' (RFC 3986).
func isPathByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '_', '~', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '@', '/':
		return true
	}
	return false
}

// index returns the index of the first c in b, or -1.
func index(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// isDigit reports whether c is an ASCII digit.
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
