package rpc

import "context"

// HandlerFunc runs the handler of a call or push, as a [HandlerInterceptor]
// sees it. ctx is the context the handler gets (its [CallCtx.Context]); m is
// the request, whose Body is the decoded argument (nil for the fallbacks of
// unknown paths); reply is the handler's result, nil for a push. An error
// (a *Status, or any error converted with [StatusOf]) answers the call.
type HandlerFunc func(ctx context.Context, m *Message) (reply any, err error)

// InvokeFunc sends a call or push and, for a call, waits for the reply and
// decodes it into reply, as a [CallInterceptor] sees it. ctx is the
// context the call is made with (its deadline travels to the peer); m is
// the call, whose Body is the argument and whose Meta may still be changed;
// reply is nil for a push.
type InvokeFunc func(ctx context.Context, m *Message, reply any) error

// HandlerInterceptor is implemented by plugins that wrap the handlers of
// the calls and pushes an endpoint receives: authentication that puts an
// identity in the handler's context, metrics, tracing, rate limits.
//
// InterceptHandler is called once per route, when the route is registered
// (or when the endpoint is made, for its plugins), never per call: it
// returns a HandlerFunc that does its work and calls next, which runs the
// inner interceptors and then the handler. The context it passes to next is
// the context the handler sees, so values put in it reach the handler; it
// must derive from the ctx it was given. A HandlerFunc that returns without
// calling next answers the call with its error (a push is dropped with a
// log line). It runs after the argument was decoded and the
// AfterRead*Body hooks, in the goroutine that runs the handler; a panic in
// it is recovered like the handler's.
//
// With several interceptors the first registered is the outermost: the
// endpoint's plugins in the order given to NewEndpoint, then a group's,
// outer groups first, then the route's own. An endpoint without
// interceptors runs its handlers directly, at no cost per call.
type HandlerInterceptor interface {
	InterceptHandler(next HandlerFunc) HandlerFunc
}

// CallInterceptor is implemented by plugins that wrap the calls and pushes
// an endpoint sends, on any of its sessions: credentials or trace headers
// added to the metadata, client-side metrics, retries.
//
// InterceptCall is called once, when the endpoint is made. The InvokeFunc
// it returns runs in the caller's goroutine for every call and push; next
// encodes, sends and, for a call, waits for the reply. It may change m's
// metadata and method before calling next, call next with a derived
// context, call it more than once (a retry), or return without calling it:
// its error is then the caller's (converted with [StatusOf]). The first
// plugin given to NewEndpoint is the outermost.
type CallInterceptor interface {
	InterceptCall(next InvokeFunc) InvokeFunc
}

// chainHandler wraps run in the handler interceptors of ps, the first one
// outermost. It returns nil when ps has none.
func chainHandler(ps *pluginSet, run HandlerFunc) HandlerFunc {
	if len(ps.handlerInterceptors) == 0 {
		return nil
	}
	for i := len(ps.handlerInterceptors) - 1; i >= 0; i-- {
		run = ps.handlerInterceptors[i].InterceptHandler(run)
	}
	return run
}

// chainCall wraps send in the call interceptors of ps, the first one
// outermost. It returns nil when ps has none.
func chainCall(ps *pluginSet, send InvokeFunc) InvokeFunc {
	if len(ps.callInterceptors) == 0 {
		return nil
	}
	for i := len(ps.callInterceptors) - 1; i >= 0; i-- {
		send = ps.callInterceptors[i].InterceptCall(send)
	}
	return send
}

// runIntercepted is the innermost HandlerFunc of every chain: it makes ctx
// the handler's context and runs the handler.
func runIntercepted(ctx context.Context, m *Message) (any, error) {
	in := m.in
	if ctx != context.Context(in) {
		in.hctx = ctx
	}
	if in.h.push {
		return nil, in.h.pushFn(in, m.body)
	}
	return in.h.call(in, m.body)
}
