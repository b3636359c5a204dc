// Package proxy forwards the calls and pushes that an rpc endpoint has no
// handler for to another endpoint, the upstream, and the replies back.
//
// A [Proxy] is an rpc plugin. Given to rpc.NewEndpoint, it sets the
// router's fallbacks (SetUnknownCall and SetUnknownPush), so that the
// endpoint's own routes are served locally and every other method is
// forwarded:
//
//	p, err := proxy.New(proxy.Config{Addr: "10.0.0.7:9090"})
//	...
//	ep, err := rpc.NewEndpoint(rpc.Config{ListenAddr: ":8080"}, p)
//
// Config.Pick chooses the upstream per call instead (by method, metadata
// or session), Config.Prefix limits the proxy to the methods under a path,
// and Config.Calls and Config.Pushes to one kind of message.
//
// # What crosses the proxy
//
// A call reaches the upstream as the caller sent it: the same method, the
// body's bytes undecoded with the id of their codec (the proxy needs none
// of the codecs; a body the front endpoint does not know how to decode
// passes too), every metadata pair, and the caller's deadline, since the
// upstream call runs with the handler's context (it ends at the caller's
// deadline and when the caller cancels, and the upstream is told). The
// reply comes back the same way: its body in the upstream's codec, its
// metadata, or its error status with its code and message unchanged.
// Transfer filters are undone and applied again at each hop, by each
// endpoint's own configuration. What the proxy adds: the pair
// HopsKey=<n>, counting the proxies passed, and, when Config.RealIPKey is
// set, the caller's IP under that key if the caller sent none. A key
// sent twice crosses once, with its first value, the one handlers read.
//
// Two things do not cross: the reply codec an HTTP caller asks for with
// Accept (the reply comes in the codec of the request), and the order of
// repeated metadata keys, since rpc gives a handler no way to see the
// former and a caller no way to send the latter.
//
// # Upstream sessions
//
// The proxy keeps one session per upstream address, dialed from
// Config.Client (or from an endpoint of its own, raw frames over TCP) by
// the first call that needs it, bounded by that call's context; the calls
// that arrive meanwhile wait for that one dial. A session that closes is
// dropped and dialed again by the next call. At most Config.MaxUpstreams
// sessions are kept: a new address takes the place of the idle one used
// longest ago.
//
// # Failures
//
// An upstream that cannot be reached fails the calls that need it with
// the dial's code, CodeDialFailed (502 Bad Gateway over the http format),
// and a message that names its address; the proxy goes on serving other
// calls, and dials again on the next one. A connection lost with calls
// in flight fails them with CodeConnClosed, and a session of a Client
// that redials fails calls at once with CodeUnavailable while it is down;
// both name the upstream. No call waits past its deadline: a caller
// without a deadline waits until the upstream answers or its connection
// ends. A call that has passed MaxHops proxies is refused with
// CodeInternal (a loop of proxies), one whose HopsKey is not a count with
// CodeBadMessage, and one for which Pick finds no upstream with
// CodeNotFound. A push that cannot be forwarded is logged by the endpoint
// at Warn level, as any failed push handler is.
//
// # Lifetime
//
// The proxy closes the sessions it dialed (and its own client endpoint)
// when its endpoint has closed, after Shutdown has let the forwarded calls
// finish. It starts no goroutines of its own.
package proxy
