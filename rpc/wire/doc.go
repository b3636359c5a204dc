// Package wire defines how an rpc message is laid on a byte stream.
//
// A [Message] is a format-independent frame: type, sequence, method,
// timeout, status, metadata, body codec, transfer filters and body bytes. A
// [Format] (in sub-packages: raw, json, pb, http, jsonrpc) makes one
// [Framer] per connection, which reads messages from a buffered reader and
// appends encoded frames to a write buffer. Framers never allocate a frame
// larger than their size limit: they check the length first.
//
// A format whose frames start with a 4-byte length reads them with a
// [FrameReader], which checks the limit, skips what it refuses and hands
// the rest to the format's parser; a framer reading a body of its own
// takes its buffer from the frame pool with [Message.AllocBody]. Every
// format carries Timeout as microseconds ([TimeoutToMicros],
// [TimeoutFromMicros]). The package wiretest is the conformance suite of
// such formats.
//
// The rpc package is the only user most programs need; this package is for
// writing a new format or a client in another language (see raw/FORMAT.md,
// and CODES.md for the status codes, codec ids and filter ids every format
// carries).
package wire
