// Package wire defines how an rpc message is laid on a byte stream.
//
// A [Message] is a format-independent frame: type, sequence, method,
// timeout, status, metadata, body codec, transfer filters and body bytes. A
// [Format] (raw, and in sub-packages json, pb, http, jsonrpc) makes one
// [Framer] per connection, which reads messages from a buffered reader and
// appends encoded frames to a write buffer. Framers never allocate a frame
// larger than their size limit: they check the length first.
//
// The rpc package is the only user most programs need; this package is for
// writing a new format or a client in another language (see raw/FORMAT.md).
package wire
