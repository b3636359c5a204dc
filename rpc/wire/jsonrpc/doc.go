// Package jsonrpc implements JSON-RPC 2.0 (https://www.jsonrpc.org/specification)
// as a frame format of the rpc toolkit.
//
// On a byte stream, [Format] reads and writes one JSON value after another,
// with optional whitespace between them; it writes a newline after each
// value. A value is a request, a response, or a batch (an array) of them.
// A request with an "id" becomes a wire.TypeCall whose Seq the framer
// assigns and maps back to the id, byte for byte, when the reply is
// written; a request without one (a notification) becomes a wire.TypePush
// and is never answered. The method is routed as a path: "math/add" and
// "/math/add" both reach "/math/add". The params are the body, with the
// JSON codec ('j'). A batch's members come out one by one, and its
// response array is written once every call in it has been answered.
// Requests that break the specification are answered with its error
// objects (Parse error, Invalid Request) through the rpc layer's handling
// of a [wire.MessageError]. Both ends may send requests on one stream.
//
// The same semantics, apart from finding values in a stream, serve a
// format that carries one JSON-RPC value per message of another protocol:
// Format is also a [wire.BodyProtocol], whose [Format.NewBodyExchange]
// the http format uses to serve JSON-RPC in the bodies of POST requests
// to one path.
//
// FORMAT.md in this directory describes the mapping in full: the fields,
// the error code table, this package's extension members ("meta",
// "timeout_ms"), batches, the size limit and when a connection is closed.
//
// A value larger than the size limit is refused without being stored
// whole, and values nested deeper than 1000 levels are refused before any
// JSON decoder sees them. A batch of more than [DefaultMaxBatch] members
// ([Format].MaxBatch) is answered with one error, and a member whose
// "meta" passes the caps of [wire.Options] is refused. Every response is
// valid JSON in UTF-8: a string id that is not UTF-8 is refused rather
// than sent back, and bodies are written with U+FFFD for such bytes.
package jsonrpc
