// Package raw implements the default binary frame format of the rpc
// toolkit.
//
// A raw frame is a big-endian length, a fixed 8-byte header (version, type,
// flags, body codec, sequence number), the method, the optional parts
// announced by the flags (timeout, status, metadata, transfer filters) and
// the body. FORMAT.md in this directory describes the frame byte by byte,
// with worked examples, for anyone writing a client in another language.
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
// reading and writing do not allocate, apart from the strings of metadata
// and status messages a frame carries; method names are interned per
// connection.
package raw
