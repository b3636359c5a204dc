// Package event is an in-process event bus, and an rpc plugin that
// publishes an endpoint's events on it: sessions connected and
// disconnected, calls served and returned (method, code, duration),
// pushes received and sent, dials failed.
//
//	bus, _ := event.NewBus(event.BusConfig{Logger: logger})
//	defer bus.Close(ctx)
//	bus.Subscribe("rpc.call.*", func(ctx context.Context, ev event.Event) error {
//		ce := ev.Data.(event.CallEvent)
//		logger.Info("call", "method", ce.Method, "code", ce.Code, "took", ce.Duration)
//		return nil
//	}, event.Async())
//	srv, _ := rpc.NewEndpoint(rpc.Config{}, event.NewPlugin(bus))
//
// # Topics and patterns
//
// A topic is a dot-separated name such as "rpc.session.connected": one or
// more segments, each one or more bytes other than '.', '*', space and
// the ASCII control characters. A subscription's pattern is a topic in
// which a whole segment may be a wildcard:
//
//   - "a.b" matches the topic "a.b" only;
//   - "*" as a segment matches exactly one segment: "a.*" matches "a.b"
//     but neither "a" nor "a.b.c"; "*.b" matches "x.b";
//   - "**" as the last segment matches one or more segments: "a.**"
//     matches "a.b" and "a.b.c", not "a";
//   - "**" alone, and "*" alone (DMicro's habit), match every topic.
//
// Wildcard listeners get every matching event, whether or not a listener
// of the exact topic exists. Anything else, such as "a*" or "**.b", is an
// error wrapping [ErrBadTopic] that names the pattern; so is publishing an
// ill-formed topic.
//
// # Delivery
//
// [Bus.Publish] hands an event to the matching listeners in order of
// priority ([Priority], higher first; equal priorities in the order they
// subscribed). A synchronous listener, the default, runs in the
// publisher's goroutine, with the publisher's context. An [Async]
// listener has a bounded queue and a goroutine of its own that calls it
// with one event at a time, in queueing order; Publish only queues. One
// goroutine per asynchronous subscription (rather than a shared pool)
// means that a slow or stuck listener holds up nobody but its own queue.
//
// When a queue is full, the [Overflow] policy applies, per bus
// (BusConfig.Overflow) or per subscription ([OnFull]): OverflowDrop, the
// default, drops the event for that listener, counts it and returns at
// once; OverflowBlock waits for room until the publisher's context ends.
// Either way Publish's error then wraps [ErrDropped], and the other
// listeners are served first.
//
// Publishing a topic nobody listens to costs a validity check and a few
// map lookups, and allocates nothing; [Bus.HasSubscribers] answers the
// same question for a publisher that wants to skip building the event.
//
// # Failures
//
// Listeners cannot harm each other or the publisher:
//
//   - A listener's error does not stop the event: Publish returns the
//     errors of all its synchronous listeners, joined, each naming the
//     topic and the listener's pattern. Only [ErrStop] (returned or
//     wrapped) stops the event from reaching the listeners after that one.
//   - A listener's panic is recovered, counted, logged with its stack at
//     Error level, and returned as an error wrapping [ErrListenerPanic];
//     the other listeners still get the event.
//   - A synchronous listener that blocks blocks its publisher, which is
//     what synchronous means. Give anything that may block the Async
//     option: then it blocks only its own goroutine, its queue fills, and
//     the overflow policy applies.
//   - The errors and panics of asynchronous listeners go to
//     BusConfig.OnAsyncError, or are logged at Warn.
//
// [Bus.Stats] counts drops, errors and panics, and the events queued.
//
// # Lifetime
//
// [Subscription.Unsubscribe] is idempotent and may be called from a
// listener, even during a Publish: once it has returned, no call of the
// listener begins. [Subscription.Done] tells when the listener is no
// longer running. [Bus.Close] lets the asynchronous listeners handle what
// is queued and waits for their goroutines, up to its context; past that
// it cancels the listeners' contexts and drops what is left. Every
// goroutine of the bus belongs to an asynchronous subscription and ends
// with it.
//
// # The rpc plugin
//
// [NewPlugin] returns an rpc.Plugin that publishes the Topic constants
// of this package, with a [SessionEvent], [DialEvent], [CallEvent] or
// [PushEvent] as the Data. A call is timed on the server from its read
// to its reply's write (rpc.Message.ReadAt), and on the client from
// Session.Call to its return. Synchronous listeners of these topics run
// on the rpc layer's goroutines; see [Plugin] for what that asks of them.
//
// See the examples for a bus on its own and for the plugin on two
// endpoints.
package event
