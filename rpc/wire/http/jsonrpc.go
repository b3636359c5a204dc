package http

import (
	"io"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// startBody starts handing out the messages of a JSON-RPC body posted to
// the JSON-RPC path, read whole into f.rpcIn, and returns the first of
// them (or errSkip when there is none). The request's response is the
// exchange's answer body once every message to answer has its reply; a
// body with nothing to answer (notifications only) is answered 204 No
// Content at once, in its turn.
func (f *framer) startBody(m *wire.Message, seq uint32, body []byte) error {
	h := &f.h
	if f.rpcx == nil {
		f.rpcx = f.rpcProto.NewBodyExchange(f.nextSeq, wire.Options{
			MaxMessageSize:   f.limit,
			MaxMetadataPairs: f.metaCaps.Pairs,
			MaxMetadataBytes: f.metaCaps.Bytes,
			Budget:           f.budget,
		})
	}
	closeAfter := h.wantsClose()
	s := slot{seq: seq, ord: f.ord, close: closeAfter, http10: h.http10, keepAlive: h.http10 && !closeAfter}
	if f.rpcx.Decode(body) == 0 {
		s.control = true
		f.answerNoContent(s)
	} else {
		s.rpcBody = true
		f.addSlot(s)
	}
	f.inBody, f.bodyKey = true, seq
	if closeAfter {
		f.stop(responsesOnly) // its go-away comes after the body's messages
	}
	return f.nextMember(m)
}

// nextMember reads the next message of the JSON-RPC body being handed out
// into m. Calls, and requests that break the specification (a
// *wire.MessageError the rpc layer answers), are remembered until their
// reply; notifications become pushes with a seq of their own, for the rpc
// layer's acknowledgement. Responses are dropped: the peer's calls are
// HTTP requests, never JSON-RPC ones, so a response in a request body
// answers nothing here (and must not complete a call of this side that
// happens to have its id as seq). At the body's end it returns errSkip.
func (f *framer) nextMember(m *wire.Message) error {
	for {
		err := f.rpcx.Next(m)
		switch {
		case err == io.EOF:
			f.inBody = false
			f.rpcIn.Release()
			return errSkip
		case err == nil && m.Type == wire.TypeCall:
			f.addMember(m.Seq, false)
			return nil
		case err == nil && m.Type == wire.TypePush:
			m.Seq = f.nextSeq()
			f.addMember(m.Seq, true)
			return nil
		case err == nil:
			m.Reset() // a response
		default:
			if me, ok := err.(*wire.MessageError); ok && me.Type == wire.TypeCall {
				me.Close = false // the HTTP stream is in step: the body was read whole
				f.addMember(me.Seq, false)
				return err
			}
			m.Reset() // a response that breaks the specification
		}
	}
}

// addMember remembers a message of the body being handed out until its
// reply.
func (f *framer) addMember(seq uint32, push bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.members == nil {
		f.members = make(map[uint32]member)
	}
	f.members[seq] = member{slot: f.bodyKey, push: push}
}

// bodyReply takes the reply m to a message of a JSON-RPC body. It reports
// the seq of the slot the body's response belongs to and whether that
// response is ready, its body in f.rpcOut; a notification's
// acknowledgement makes no response (ok false). The caller holds f.mu.
func (f *framer) bodyReply(m *wire.Message, mb member) (key uint32, ready bool, err error) {
	if mb.push {
		delete(f.members, m.Seq) // JSON-RPC answers no notification
		return 0, false, nil
	}
	out, done, err := f.rpcx.Reply(f.rpcOut[:0], m)
	if err != nil {
		return 0, false, err // the rpc layer answers the seq again, with an error
	}
	delete(f.members, m.Seq)
	f.rpcOut = out
	return mb.slot, done, nil
}

// appendBodyResponse appends the 200 response of slot s, a JSON-RPC
// request, whose body, the JSON-RPC answer, is in f.rpcOut. The caller
// holds f.mu.
func (f *framer) appendBodyResponse(dst []byte, s *slot) []byte {
	dst = append(dst, "HTTP/1.1 200 OK\r\nDate: "...)
	dst = f.appendDate(dst)
	dst = append(dst, "\r\nContent-Type: application/json\r\n"...)
	dst = appendLength(dst, len(f.rpcOut))
	dst = f.appendConnection(dst, s)
	dst = append(dst, "\r\n"...)
	dst = append(dst, f.rpcOut...)
	if cap(f.rpcOut) > maxKeptBuffer {
		f.rpcOut = nil
	}
	return dst
}
