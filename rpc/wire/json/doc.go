// Package json implements a frame format of the rpc toolkit whose frames
// are JSON text, for people reading a capture and for clients written in
// languages without a binary codec.
//
// A json frame is a big-endian length followed by exactly that many bytes
// of one JSON object: {"v":1,"type":1,"seq":1,"method":"/math/add",...}.
// The object carries the same message as a raw frame (see package raw): its
// members are the version, type, sequence number, method, timeout, status,
// metadata, body codec, transfer filters and body. A body encoded by the
// JSON codec ('j') is embedded as it is, so it reads naturally; any other
// body is carried as standard base64. FORMAT.md in this directory describes
// the frame member by member, with worked examples.
//
// A [Format] is stateless and safe for concurrent use. The [wire.Framer] it
// returns follows the wire.Framer contract: ReadMessage is called by one
// goroutine at a time and AppendMessage by one goroutine at a time, and the
// two may run concurrently, since AppendMessage touches no state that
// ReadMessage changes.
//
// Framers check a frame's size before they allocate anything for it: a
// frame over the limit is refused from its length alone and skipped, so a
// peer cannot make the receiver allocate more than the limit. Writing does
// not allocate. Reading decodes the object with encoding/json, which costs
// a few small allocations per frame, plus one string for the status
// message and metadata a frame carries; method names are interned per
// connection, and the body is copied into the frame's pooled buffer.
package json
