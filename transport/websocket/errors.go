package websocket

import "errors"

// Sentinel errors of the package.
var (
	// ErrConfig reports a Config that cannot work.
	ErrConfig = errors.New("transport/websocket: invalid config")
	// ErrSubprotocol reports a server that did not choose the dmicro
	// subprotocol in its upgrade response: it is not a dmicro server.
	ErrSubprotocol = errors.New("transport/websocket: the server did not choose subprotocol " + Subprotocol)
)
