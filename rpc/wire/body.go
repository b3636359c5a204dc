package wire

// BodyProtocol is a protocol that one format carries in the bodies of its
// own messages: JSON-RPC 2.0 in the bodies of HTTP POST requests. The http
// format takes one; the jsonrpc format is one. The two packages do not
// import each other: a program that wants both names both.
type BodyProtocol interface {
	// NewBodyExchange returns the state of the protocol on one
	// connection. The seqs of the messages it reads come from next, which
	// is called only by the reading side. opts are the carrying framer's:
	// opts.Limit() caps a body in each direction, the metadata caps
	// apply to each message of a body, and the bodies of those messages
	// that the exchange copies are reserved from opts.Budget.
	NewBodyExchange(next func() uint32, opts Options) BodyExchange
}

// BodyExchange turns the bodies of one connection's requests into messages
// and the rpc layer's replies into answer bodies. One body may hold
// several messages (a batch), answered together by one body.
//
// Decode and Next are called by the reading side, one at a time; Reply by
// the writing side, one at a time; the two sides may run concurrently.
type BodyExchange interface {
	// Decode starts reading body, which must not change until Next has
	// returned io.EOF. It returns how many of its messages will be
	// answered; when it is 0, the body gets no answer at all.
	Decode(body []byte) int
	// Next reads the body's next message into m, which the caller has
	// Reset, or returns io.EOF when it has no more. A member that breaks
	// the protocol, or whose body is over the budget, gives a
	// *MessageError instead; when its Type is TypeCall, the caller
	// answers its Seq with an error reply, which Reply turns into the
	// protocol's error.
	Next(m *Message) error
	// Reply encodes the reply m to a seq that Next gave out, for a call or
	// in a MessageError. It appends to dst and reports done once the body
	// that answers every awaited message of m's request body is in out; until
	// then out is dst. On an error (a reply the protocol cannot carry,
	// one too large) dst is returned unchanged and the seq is still
	// awaited.
	Reply(dst []byte, m *Message) (out []byte, done bool, err error)
}
