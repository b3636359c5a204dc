// Package http lays rpc messages on a byte stream as HTTP/1.1, so that
// curl, browsers and any HTTP library can call a dmicro endpoint, and two
// dmicro endpoints can talk through HTTP proxies and load balancers.
//
// A call is a POST to the method's path: "POST /math/add" with a JSON body
// calls /math/add, and its reply is the response, 200 with the reply body
// or an error status with a JSON body {"code":5,"message":"..."}.
// Metadata travels in Rpc-Meta-* headers, the deadline in Rpc-Timeout, and
// a push is a POST with "Rpc-Type: push", answered 202 Accepted as soon as
// it is accepted for handling. FORMAT.md in this directory is the complete
// specification, with the status table, the limits and examples.
//
// The framer parses and writes HTTP/1.1 itself, on the rpc layer's
// buffered reader and write queue; it does not use net/http. It keeps
// connections alive and supports pipelining: requests are read back to
// back and handled concurrently, and the responses, which the rpc layer
// produces in any order, are put back in request order by a reorder
// buffer in the framer.
//
// A server may also take JSON-RPC 2.0 in the bodies of POST requests to
// one path: Format{JSONRPCPath: "/jsonrpc", JSONRPC: jsonrpc.Format{}}.
// A batch's calls are handled concurrently and answered together, in one
// response body.
//
// The format is symmetric: either side of a connection may send requests,
// and each side's reader tells requests from responses by their first
// line. A dmicro server may therefore call the dmicro client connected to
// it, on the same connection.
//
// A caller that gives up on a call sends a cancel request, "POST
// /.dmicro/cancel" with "Rpc-Type: cancel", which names the call by its
// ordinal among the requests sent on the connection: both ends count the
// requests of each direction in wire order, so the ordinal is the seq the
// reading framer gave the call. The framer answers it 204 No Content
// itself, in order, and hands the rpc layer a cancel of that seq.
//
// A go-away is "Connection: close". The side that accepted the connection
// says it on every response from its go-away on, and at once in an
// interim "102 Processing" response with "Rpc-Type: goaway" when the next
// response may be held up by a slow call; it still answers the requests
// that crossed it on the wire; the client reads the responses it
// is owed, sends no new request, and closes. The side that dialed says it
// on a last request, "POST /.dmicro/goaway" with "Rpc-Type: goaway", which
// the framer answers 204 itself. The framer reads a go-away, without a
// code, when the connection must close once the responses owed are
// written: after a response or request that said "Connection: close", or a
// request that put the stream out of step. The go-away ack, and a go-away
// with a code, have no HTTP form: nothing is written for them.
package http
