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
// # Limits
//
// Every framer bounds what a peer can make it hold, whatever the input:
//
//   - The size limit ([Options.MaxMessageSize], [DefaultMaxMessageSize],
//     4 MiB) caps a frame in both directions. A reader refuses a frame over
//     it from its length, before it allocates anything, and answers at once
//     (status code 7): a [FrameReader] skips a frame of up to 16 times the
//     limit afterwards, the stream kept in step, and closes the stream
//     after a larger one.
//   - The metadata caps ([Options.MaxMetadataPairs], 100 pairs by default,
//     [DefaultMaxMetadataPairs]; [Options.MaxMetadataBytes], 64 KiB of keys
//     and values, [DefaultMaxMetadataBytes]) bound what decoding a frame's
//     metadata costs: a pair takes two bytes of a frame and 32 bytes of
//     memory. A frame read over either is refused as too large (status
//     code 7) before its pairs are decoded, and the stream stays in step.
//   - The memory budget ([Options.Budget], none by default; see [Budget]),
//     shared by the framers of an endpoint, bounds the bytes their frames
//     hold at once: a frame it cannot hold is refused with [ErrOverBudget]
//     (status code 13, overloaded) and skipped, the stream kept in step.
//
// A format adds its own (the http format caps a head, the jsonrpc format
// a batch): each format's FORMAT.md lists them, and CODES.md the codes
// every refusal is answered with.
//
// The rpc package is the only user most programs need; this package is for
// writing a new format or a client in another language (see raw/FORMAT.md,
// and CODES.md for the status codes, codec ids and filter ids every format
// carries).
package wire
