package wire

// Pender is implemented by framers that may hold messages they have read
// already, such as the members of a JSON-RPC batch or what an HTTP request
// body held. Pending reports whether the next ReadMessage may return a
// message without reading from the stream: a reader that waits for the
// stream's next byte before each frame (to time it) must not wait then.
type Pender interface {
	Pending() bool
}

// BufferedFramer is implemented by framers that can tell whether their next
// frame has arrived whole (every framer embedding a [FrameReader] does). A
// connection that answers a batch of calls read together holds the answers
// back until the batch ends, and it ends where the next read would wait for
// the network: FrameBuffered says where that is. A framer that cannot tell
// gets no answers held back.
type BufferedFramer interface {
	FrameBuffered() bool
}
