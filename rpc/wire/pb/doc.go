// Package pb implements a frame format of the rpc toolkit whose frames are
// protocol buffers, for clients that generate their code from a .proto
// file.
//
// A pb frame is a big-endian length followed by exactly that many bytes of
// one protobuf message: the same message as a raw frame (see package raw),
// with one field for each of its parts: version, type, sequence number,
// method, timeout, status, metadata, body codec, transfer filters and body.
// FORMAT.md in this directory describes the frame field by field, gives the
// equivalent .proto file, and has worked examples. This package encodes
// and decodes the message by hand, with the wire primitives of protowire,
// so it needs no generated code.
//
// A [Format] is stateless and safe for concurrent use. The [wire.Framer] it
// returns follows the wire.Framer contract: ReadMessage is called by one
// goroutine at a time and AppendMessage by one goroutine at a time, and the
// two may run concurrently, since AppendMessage touches no state that
// ReadMessage changes.
//
// Framers check a frame's size before they allocate anything for it: a
// frame over the limit is refused from its length alone and skipped, so a
// peer cannot make the receiver allocate more than the limit. Steady-state
// reading and writing do not allocate, apart from one string for the status
// message and metadata a frame carries; method names are interned per
// connection, and the body points into the frame's pooled buffer.
package pb
