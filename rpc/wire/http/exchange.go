package http

import "github.com/dmicro-go/dmicro/rpc/wire"

// bodyExchange carries another protocol in the bodies of the POST requests
// to one path, Format.JSONRPCPath: it turns a request body into a call or
// push, and that message's reply into the response body. The framer keeps
// the HTTP side: framing, limits, ordering, metadata headers.
//
// TODO(jsonrpc): rpc/wire/jsonrpc implements this seam for JSON-RPC 2.0,
// and Format gets a way to take it (today the unexported Format.exchange,
// which only this package's tests set). A batch, several calls in one
// body, needs more than one message per request and so more than this
// seam.
type bodyExchange interface {
	// request fills m's Type, Method, Codec, Body and, if it carries them,
	// Timeout and Meta from the body of a request, and returns the state
	// response needs to answer it. m.Body may point into body.
	request(m *wire.Message, body []byte) (token any, err error)
	// response appends to dst the body that answers reply r of the request
	// with that token, and returns it with its media type. An empty body
	// is sent as 204 No Content.
	response(dst []byte, r *wire.Message, token any) ([]byte, string)
}
