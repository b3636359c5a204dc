package http

import (
	"strconv"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// AppendMessage appends m to dst as HTTP and returns the extended slice.
//
// A call or push becomes a POST request, remembered so that its response
// is matched to its seq. A reply becomes the response to the request with
// its seq; responses go out in request order, so a reply whose turn has
// not come is kept in the framer (dst is returned unchanged), and the
// reply that completes the turn appends its own response and every kept
// one that follows it.
//
// A cancel of a call this side sent, still unanswered, becomes a cancel
// request naming the call by its ordinal on the connection; a cancel of
// anything else writes nothing. A go-away without a Code, on the side that
// accepted the connection, writes nothing but makes every response from
// then on say "Connection: close"; on the side that dialed, it becomes a
// last request, a go-away request that says "Connection: close". A
// go-away with a Code (the connection closes at once) and a go-away ack
// write nothing: HTTP has no form for them. After a go-away request, or
// after reading a response that said "Connection: close", this side
// writes no cancel.
//
// A body over the size limit gives an error wrapping wire.ErrTooLarge; a
// request the format cannot carry (a method that does not start with '/',
// metadata that is not valid in a header, an invalid type) one wrapping
// wire.ErrMalformed; a reply to no request read one wrapping
// wire.ErrMalformed. On any error dst is left as it was. A reply whose
// metadata cannot be carried is answered 500 instead, since its request
// must be answered.
func (f *framer) AppendMessage(dst []byte, m *wire.Message) ([]byte, error) {
	switch m.Type {
	case wire.TypeCall, wire.TypePush:
		return f.appendRequest(dst, m)
	case wire.TypeReply:
		return f.appendReply(dst, m)
	case wire.TypeCancel:
		return f.appendCancel(dst, m), nil
	case wire.TypeGoAway:
		return f.appendGoAway(dst, m), nil
	case wire.TypeGoAwayAck:
		return dst, nil
	}
	return dst, wrapMalformed("http: invalid message type " + strconv.Itoa(int(m.Type)))
}

// appendReply renders the response of reply m now when its turn has come,
// or keeps it until then. Its turn has come when every response before it
// is written, or rendered and waiting: the 204 to a cancel request that
// the framer could not queue when it read it.
//
// The reply to a message of a JSON-RPC body goes to the body's exchange,
// and the body's response is rendered once the exchange's answer is
// complete.
func (f *framer) appendReply(dst []byte, m *wire.Message) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := m.Seq
	if mb, ok := f.members[m.Seq]; ok {
		var ready bool
		var err error
		if key, ready, err = f.bodyReply(m, mb); err != nil || !ready {
			return dst, err
		}
	}
	o := &f.owed
	i := o.find(key)
	if i < 0 {
		return dst, wrapMalformed("http: reply to seq " + strconv.FormatUint(uint64(m.Seq), 10) + ", which no request read is waiting for")
	}
	s := &o.slots[i]
	if !o.turn(i) {
		out, err := f.render(s.buf[:0], s, m)
		if err != nil {
			return dst, err
		}
		s.buf, s.done = out, true
		o.buffered += len(out)
		return dst, nil
	}
	n := len(dst)
	out := dst
	for k := o.first; k < i; k++ {
		out = f.appendDone(out, &o.slots[k])
	}
	out, err := f.render(out, s, m)
	if err != nil {
		return dst[:n], err
	}
	for o.first <= i {
		o.pop()
	}
	return f.flushDone(out), nil
}

// render appends the response of slot s, answered by reply m. The caller
// holds f.mu.
func (f *framer) render(dst []byte, s *slot, m *wire.Message) ([]byte, error) {
	if s.rpcBody {
		return f.appendBodyResponse(dst, s), nil
	}
	return f.appendResponse(dst, s, m)
}

// appendDone appends the response of slot s, which is done: rendered in
// its buffer, or a 204 the framer answers itself. The caller holds f.mu.
func (f *framer) appendDone(dst []byte, s *slot) []byte {
	if s.control {
		return f.appendNoContent(dst, s)
	}
	return append(dst, s.buf...)
}

// flushDone appends the responses at the head of the order that are done,
// and forgets them. The caller holds f.mu.
func (f *framer) flushDone(dst []byte) []byte {
	o := &f.owed
	for o.len() > 0 && o.slots[o.first].done {
		dst = f.appendDone(dst, &o.slots[o.first])
		o.pop()
	}
	return dst
}

// appendConnection appends the Connection header of the response of slot
// s, if it has one. The caller holds f.mu.
func (f *framer) appendConnection(dst []byte, s *slot) []byte {
	switch {
	case s.close || f.goingAway:
		dst = append(dst, "Connection: close\r\n"...)
	case s.keepAlive:
		dst = append(dst, "Connection: keep-alive\r\n"...)
	}
	return dst
}

// appendLength appends the Content-Length header line.
func appendLength(dst []byte, n int) []byte {
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, "\r\n"...)
}

// appendContentType appends the Content-Type of a request body of codec
// id: its media type, or application/octet-stream and Rpc-Codec for a
// codec without one. A request without codec and body has none.
func appendContentType(dst []byte, id byte, n int) []byte {
	if id == 0 && n == 0 {
		return dst
	}
	if mt := mediaType(id); mt != "" {
		dst = append(dst, "Content-Type: "...)
		dst = append(dst, mt...)
		return append(dst, "\r\n"...)
	}
	dst = append(dst, "Content-Type: application/octet-stream\r\nRpc-Codec: "...)
	dst = strconv.AppendInt(dst, int64(id), 10)
	return append(dst, "\r\n"...)
}

// appendFilters appends the Rpc-Filters header line of a body's filters.
func appendFilters(dst []byte, ids []byte) []byte {
	if len(ids) == 0 {
		return dst
	}
	dst = append(dst, "Rpc-Filters: "...)
	for i, id := range ids {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendInt(dst, int64(id), 10)
	}
	return append(dst, "\r\n"...)
}

// filtersError returns why ids cannot be carried, or "".
func filtersError(ids []byte) string {
	if len(ids) > 255 {
		return "http: more than 255 filters"
	}
	for _, id := range ids {
		if id == 0 {
			return "http: filter id 0"
		}
	}
	return ""
}

// appendDate appends the Date of a response, formatted once a second. The
// caller holds f.mu.
func (f *framer) appendDate(dst []byte) []byte {
	now := time.Now()
	if sec := now.Unix(); sec != f.dateSec || len(f.date) == 0 {
		f.date = now.UTC().AppendFormat(f.date[:0], "Mon, 02 Jan 2006 15:04:05 GMT")
		f.dateSec = sec
	}
	return append(dst, f.date...)
}
