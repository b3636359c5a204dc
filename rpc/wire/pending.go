package wire

// Pender is implemented by framers that may hold messages they have read
// already, such as the members of a JSON-RPC batch or what an HTTP request
// body held. Pending reports whether the next ReadMessage may return a
// message without reading from the stream: a reader that waits for the
// stream's next byte before each frame (to time it) must not wait then.
type Pender interface {
	Pending() bool
}
