package event

import "errors"

// Sentinel errors. The errors of this package wrap them, with the topic,
// pattern or setting at fault; test with errors.Is.
var (
	// ErrBadTopic: a topic or a pattern is not well formed (see the
	// package documentation for the syntax).
	ErrBadTopic = errors.New("event: bad topic")
	// ErrBadOption: a subscription was given a nil listener or options
	// that contradict each other, or a BusConfig has a bad value.
	ErrBadOption = errors.New("event: bad option")
	// ErrStop is what a synchronous listener returns, or wraps, to stop
	// the event from reaching the listeners after it. Publish returns it
	// (wrapped with the listener's pattern) among its errors.
	ErrStop = errors.New("event: stop")
	// ErrListenerPanic: a listener panicked. The panic was recovered, the
	// other listeners still got the event, and the panic's value and stack
	// went to the bus's Logger at Error level.
	ErrListenerPanic = errors.New("event: listener panicked")
	// ErrDropped: an asynchronous listener's queue was full and the event
	// was not queued for it; see [Overflow].
	ErrDropped = errors.New("event: dropped")
	// ErrClosed: the bus was closed.
	ErrClosed = errors.New("event: bus closed")
)
