// Package rpc is dmicro's RPC core: an [Endpoint] that is server and client
// at once, its [Session]s, the [Router] that maps paths to handlers, the
// [Status] every failure becomes, and the hooks that plugins build on.
//
// # Endpoints and sessions
//
// NewEndpoint makes an endpoint from a [Config] whose zero value works.
// Listen and Serve (or ListenAndServe) accept sessions; Dial makes one. On
// any session either side may Call the other (a request answered by a
// reply), AsyncCall, or Push (a one-way message). Shutdown(ctx) stops
// gracefully; Close stops at once.
//
// A dialed session can redial by its [RedialPolicy]: the same *Session
// works again once the peer is back, and calls made while it is down fail
// fast with CodeUnavailable (or wait, with [WithWaitForReady]).
//
// # Going away
//
// Shutdown sends each peer "going away". A peer's dialed session then sends
// new calls on a new connection (to the same address, which after a hot
// restart is served by the new process), while the calls already sent on
// the old connection finish there. The side that receives a go-away acks it
// and sends no new calls on that connection; each connection closes when
// nothing is in flight in either direction. No call is lost.
//
// # Routing and naming
//
// Handlers register on the endpoint's [Router] (Endpoint.Router), or on a
// group of it made with [Router.Group] (the seed's SubRoute). Struct
// methods register with RouteCall and RoutePush, functions with
// RouteCallFunc and RoutePushFunc, typed functions without reflection with
// HandleCall(path, CallFunc(fn)). Handlers take the context first:
//
//	func (m *Math) Add(ctx *rpc.CallCtx, arg *[]int) (int, error)
//
// or, as in DMicro, embed rpc.CallCtx and return a *Status:
//
//	type Math struct{ rpc.CallCtx }
//	func (m *Math) Add(arg *[]int) (int, *rpc.Status)
//
// A nil *Status (or nil error) is success. Paths are "/<struct>/<method>"
// under the router's group prefix, each name turned into snake_case: a word
// starts at an upper-case letter after a lower-case letter or a digit, and
// at the last upper-case letter of a run followed by a lower-case letter.
// So Math.Add is "/math/add", MyCall.Echo "/my_call/echo", GetHTTPStatus
// "get_http_status", V2Users "v2_users". A single "_" in a Go name is a path
// separator (User_Get → "user/get"); "__" is a literal underscore.
//
// SetUnknownCall and SetUnknownPush set fallbacks for paths no route
// matches; a group's fallback serves its prefix.
//
// # Statuses
//
// Every error a caller gets is a *Status with a [Code]: CodeOf(err) reads
// it from any error, and errors.Is(err, context.DeadlineExceeded) works on a
// deadline the peer reported. Handlers return any error; the endpoint
// converts it with [StatusOf] and sends its code and message.
//
// # Deadlines and the handler's context
//
// The caller's deadline travels with the call as the time left. The
// handler's context ([CallCtx.Context]) ends at it, when the caller cancels
// (the caller sends a cancel), when the connection ends, and when the
// handler returns. As Go's contracts say, its Err is then exactly
// context.DeadlineExceeded or context.Canceled; context.Cause tells which
// of [ErrCallerDeadline], [ErrCallerCanceled], [ErrConnClosed],
// [ErrPeerClosed] and [ErrHandlerReturned] ended it. A call whose deadline
// passed while it waited for a handler slot is answered
// CodeDeadlineExceeded without running.
//
// # Bounded work
//
// An endpoint runs at most Config.MaxHandlers handlers at once and lets
// Config.MaxQueuedHandlers more wait; a session at most
// MaxSessionHandlers, with MaxSessionQueuedHandlers waiting. A call that
// finds both full is answered CodeOverloaded at once and a push is dropped,
// so a flood costs neither memory nor goroutines beyond the caps. Once half
// the endpoint's places are taken, each peer (Config.PeerKey: the remote
// IP by default) holds at most an equal share of them, so that a peer's
// flood is refused while the others are served.
//
// # Limits
//
// The zero Config is meant for a server on the internet. Each limit, its
// default, and what a peer that passes it gets:
//
//	limit                              default          past it
//	MaxMessageSize (a frame)           4 MiB            CodeTooLarge; the frame's bytes are skipped and the
//	                                                    connection goes on (over 16 times it: answered,
//	                                                    then closed)
//	MaxMetadataPairs, ...Bytes         100, 64 KiB      CodeTooLarge before a pair is decoded; the
//	                                                    connection goes on
//	members of a JSON-RPC batch        1000 (jsonrpc.   one error response for the whole batch
//	                                   Format.MaxBatch)
//	MemoryBudget                       256 MiB          CodeOverloaded; the frame's bytes are skipped
//	MaxHandlers, MaxQueuedHandlers     10000, 10000     CodeOverloaded (a push is dropped)
//	MaxSessionHandlers, ...Queued...   1000, 1000       CodeOverloaded
//	a peer's share, past half full     (15/16 of them)  CodeOverloaded
//	                                   / peers connected
//	MaxConns, MaxConnsPerPeer          10000, 512       closed at accept, after a go-away with
//	                                                    CodeOverloaded where the format is known
//	HandshakeTimeout                   10 s             closed (TLS and other handshakes; the first
//	                                                    bytes when they pick the format)
//	FirstFrameTimeout                  10 s             closed: no whole frame since the accept
//	ReadTimeout (a started frame)      30 s             closed
//	WriteTimeout (a peer not reading)  10 s             closed
//	IdleTimeout                        none             closed (set it, or use the heartbeat plugin)
//	log lines a peer can cause         10 a second      held back, then counted ("suppressed") in
//	                                   for each kind    the next line of the kind
//
// The transports add their own: transport/kcp holds at most MaxHalfOpen
// (128) sessions that have not opened, dropping more unanswered, and
// transport/websocket checks each client frame's header as it arrives (an
// unmasked frame closes the connection with 1002, one over its message
// size with 1009, before the payload is read).
//
// The memory the endpoint spends at most:
//   - per frame: its size as read (at most MaxMessageSize), what its
//     transfer filters inflate (at most MaxMessageSize more, reserved
//     before it is inflated: a gzip body declares its size), its decoded
//     metadata (bounded by the metadata caps) and its argument (what the
//     codec makes of the body, a small multiple of it);
//   - per connection: a 32 KiB read buffer, and a write queue of at most
//     max(MaxMessageSize, 1 MiB);
//   - per peer: its connections (MaxConnsPerPeer) and its share of the
//     handler places;
//   - per endpoint: MemoryBudget for the frames read and not yet done with,
//     the bodies they inflate and the write queues (each connection may
//     pass it by one frame, so that a spent budget slows connections down
//     but stops none), plus 32 KiB for each connection (MaxConns) and the
//     handlers' own memory.
//
// # Hooks
//
// A [Plugin] implements any of 27 one-method hook interfaces. For one call,
// they run in this order:
//
//	caller:  BeforeWriteCall, AfterWriteCall, ... AfterReadReplyHeader,
//	         BeforeReadReplyBody, AfterReadReplyBody
//	callee:  BeforeReadHeader, AfterReadCallHeader, BeforeReadCallBody,
//	         AfterReadCallBody, (handler), BeforeWriteReply, AfterWriteReply
//
// and for a push: BeforeWritePush, AfterWritePush on the sender;
// BeforeReadHeader, AfterReadPushHeader, BeforeReadPushBody,
// AfterReadPushBody, (handler) on the receiver. BeforeReadHeader runs before
// every frame is read. The reply hooks of a caller run in the caller's
// goroutine. Around sessions: BeforeDial, then AfterDial or AfterDialFail;
// AfterAccept; AfterDisconnect. Around the endpoint: BeforeNewEndpoint,
// AfterNewEndpoint, AfterRoute, AfterListen, BeforeCloseEndpoint,
// AfterCloseEndpoint. See [Plugin] for what a hook's error does.
//
// # Interceptors
//
// For logic around a whole call a plugin may instead wrap it: a
// [HandlerInterceptor] wraps the handlers of the calls and pushes the
// endpoint receives (next runs the handler; the context it passes to next
// is the one the handler sees, so an auth plugin puts the caller's
// identity there), and a [CallInterceptor] wraps the calls and pushes it
// sends (next encodes, sends and waits; it may add metadata, retry, or
// answer without sending). Either may return without calling next, and its
// error is the call's result. Chains are built once, when an endpoint or a
// route is made: an endpoint without interceptors pays nothing per call,
// and a pass-through interceptor no allocation.
//
// # The call path
//
// Each connection has one reader goroutine and a write queue: frames from
// many goroutines are appended to one buffer and written together, by a
// sender with nothing else in flight or, under load, by the connection's
// flusher goroutine. The reader runs a handler itself when the call is
// lone, or when the handler has been quick (under 50 µs), a running slot
// is free and the format is length-prefixed (raw, pb, json): the replies
// to a batch of calls read together then go out in one write. A new reader takes over if a handler runs past 500 µs, and
// a handler found slow runs on a pool of workers (a call starts no
// goroutine) until it is quick again. Frames and calls come from pools; a
// call allocates little beyond what its codec needs.
//
// # Goroutines
//
// An endpoint owns these goroutines, and no others: each
// connection's reader and flusher, each session's redial loop, each
// AsyncCall; Close waits for them. Handlers are not waited for: they may
// outlive Close, and their contexts tell them to stop.
//
// # Concurrency
//
// Endpoint, Session and Router are safe for concurrent use. Hooks and
// handlers run concurrently and must be safe for it.
package rpc
