package rpc

import "net"

// Plugin is anything with a name that implements one or more of the hook
// interfaces below. The endpoint looks each hook up once, when the plugin is
// registered, and keeps one slice per hook, so a hook no plugin implements
// costs nothing on the call path.
//
// Hooks run in the goroutine of the step they belong to, possibly many at
// once, so a plugin must be safe for concurrent use. Endpoint plugins run
// first, in the order given; then the plugins of the route's groups, outer
// groups first. Route plugins take part only in the hooks that run after the
// route is known: AfterRoute, Before/AfterReadCallBody, Before/AfterWriteReply
// and Before/AfterReadPushBody.
//
// A "before" hook that returns an error stops its step: the error (a
// *Status, or any error converted with [StatusOf]) becomes the result of the
// step, as each hook's comment says. The first error stops the remaining
// plugins of that hook. Errors of "after" hooks are logged at Warn level,
// unless the hook's comment says otherwise.
type Plugin interface {
	Name() string
}

// Endpoint life.

// BeforeNewEndpointHook runs in NewEndpoint before the config is checked; it
// may change the config. An error makes NewEndpoint fail.
type BeforeNewEndpointHook interface {
	BeforeNewEndpoint(cfg *Config) error
}

// AfterNewEndpointHook runs at the end of NewEndpoint. An error makes
// NewEndpoint fail.
type AfterNewEndpointHook interface {
	AfterNewEndpoint(e *Endpoint) error
}

// BeforeCloseEndpointHook runs at the start of Shutdown and Close. An error
// stops Shutdown, and the endpoint keeps serving; Close cannot be stopped and
// returns the error joined with its own.
type BeforeCloseEndpointHook interface {
	BeforeCloseEndpoint(e *Endpoint) error
}

// AfterCloseEndpointHook runs when Shutdown or Close has finished; err is
// their result so far. Its error is joined to that result.
type AfterCloseEndpointHook interface {
	AfterCloseEndpoint(e *Endpoint, err error) error
}

// AfterRouteHook runs when a route is registered. An error undoes the
// registration and is returned by the Route method.
type AfterRouteHook interface {
	AfterRoute(r RouteInfo) error
}

// AfterListenHook runs when Serve starts on a listener, before the first
// Accept. An error closes the listener and is returned by Serve.
type AfterListenHook interface {
	AfterListen(addr net.Addr) error
}

// Connections.

// BeforeDialHook runs before each dial attempt. An error fails the attempt
// with that error.
type BeforeDialHook interface {
	BeforeDial(addr string, isRedial bool) error
}

// AfterDialHook runs when a dial connected, before the session reads, is
// published in the endpoint's sessions, or is returned; it must not call or
// push on it. An error closes the connection and fails the attempt with that
// error.
type AfterDialHook interface {
	AfterDial(s *Session, isRedial bool) error
}

// AfterDialFailHook runs when a dial attempt failed.
type AfterDialFailHook interface {
	AfterDialFail(addr string, err error, isRedial bool) error
}

// AfterAcceptHook runs when a connection was accepted (and its handshake
// done), before the session reads or is published in the endpoint's
// sessions; it must not call or push on it. An error sends the peer a
// connection error with that status and closes the session. The peer's
// Dial has returned by then (no protocol holds it back for the accept), so
// the peer learns of the refusal from its session's end (Session.Err) and
// from its calls, which fail with the refusal's code and message.
type AfterAcceptHook interface {
	AfterAccept(s *Session) error
}

// AfterDisconnectHook runs when a session's connection ended; err says why
// (nil for a local Close or a graceful shutdown).
type AfterDisconnectHook interface {
	AfterDisconnect(s *Session, err error) error
}

// Writing.

// BeforeWriteCallHook runs when a call's body was encoded, before the call
// is queued for the wire; it may change the metadata. An error fails the
// call with that error.
type BeforeWriteCallHook interface {
	BeforeWriteCall(m *Message) error
}

// AfterWriteCallHook runs when a call was handed to the connection.
type AfterWriteCallHook interface {
	AfterWriteCall(m *Message) error
}

// BeforeWriteReplyHook runs when a reply's body was encoded (or the reply
// became an error), before it is queued; it may change the metadata. An
// error replaces a successful reply with that error; on an error reply it
// is logged.
type BeforeWriteReplyHook interface {
	BeforeWriteReply(m *Message) error
}

// AfterWriteReplyHook runs when a reply was handed to the connection.
type AfterWriteReplyHook interface {
	AfterWriteReply(m *Message) error
}

// BeforeWritePushHook runs when a push's body was encoded, before it is
// queued; it may change the metadata. An error fails the push with that error.
type BeforeWritePushHook interface {
	BeforeWritePush(m *Message) error
}

// AfterWritePushHook runs when a push was handed to the connection.
type AfterWritePushHook interface {
	AfterWritePush(m *Message) error
}

// Reading.

// BeforeReadHeaderHook runs before the session reads each next frame. An
// error closes the session.
type BeforeReadHeaderHook interface {
	BeforeReadHeader(s *Session) error
}

// AfterReadCallHeaderHook runs when a call's header was read, before
// routing; it may change the method. An error is sent back as the reply.
type AfterReadCallHeaderHook interface {
	AfterReadCallHeader(m *Message) error
}

// BeforeReadCallBodyHook runs after routing, before the argument is
// decoded. An error is sent back as the reply.
type BeforeReadCallBodyHook interface {
	BeforeReadCallBody(m *Message) error
}

// AfterReadCallBodyHook runs when the argument was decoded, before the
// handler. An error is sent back as the reply and the handler does not run.
type AfterReadCallBodyHook interface {
	AfterReadCallBody(m *Message) error
}

// AfterReadPushHeaderHook runs when a push's header was read, before
// routing. An error drops the push.
type AfterReadPushHeaderHook interface {
	AfterReadPushHeader(m *Message) error
}

// BeforeReadPushBodyHook runs after routing, before the push body is
// decoded. An error drops the push.
type BeforeReadPushBodyHook interface {
	BeforeReadPushBody(m *Message) error
}

// AfterReadPushBodyHook runs when the push body was decoded. An error drops
// the push before its handler runs.
type AfterReadPushBodyHook interface {
	AfterReadPushBody(m *Message) error
}

// AfterReadReplyHeaderHook runs when a reply's header was read. An error
// fails the call with that error.
type AfterReadReplyHeaderHook interface {
	AfterReadReplyHeader(m *Message) error
}

// BeforeReadReplyBodyHook runs before the reply body is decoded into the
// caller's value. An error fails the call with that error.
type BeforeReadReplyBodyHook interface {
	BeforeReadReplyBody(m *Message) error
}

// AfterReadReplyBodyHook runs when the reply body was decoded, also for
// error replies. An error fails the call with that error.
type AfterReadReplyBodyHook interface {
	AfterReadReplyBody(m *Message) error
}
