// Package rpcdisc wires discovery into rpc: a Client that calls a service
// by name, and a plugin, Register, with which an endpoint registers itself.
//
// # Servers
//
// Give the plugin to the endpoint; each listener Serve starts on becomes a
// node of the service, and Shutdown or Close deregisters them first:
//
//	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: ":9000"},
//		rpcdisc.Register(reg, rpcdisc.ServiceConfig{Name: "greeter"}))
//
// Registration is synchronous, within ServiceConfig.Timeout: when the
// registry refuses it or cannot be reached, Serve fails. The address
// published is the listener's, with a listener on every interface
// (0.0.0.0, [::]) published under the machine's first global unicast
// address; ServiceConfig.Advertise overrides it. Deregistration happens
// before Shutdown says going away, so clients stop picking the node while
// it still finishes their calls; its failure is logged and does not stop
// the shutdown.
//
// # Clients
//
//	c, err := rpcdisc.NewClient(ep, reg, "greeter", rpcdisc.ClientConfig{})
//	err = c.Call(ctx, "/hello", "ann", &reply)
//
// A Client follows the registry (a Watch, restarted with back-off) and
// feeds the service's nodes to a selector.Selector, which picks a node per
// call by the configured strategy (a key for ConsistentHash comes from
// WithKey or ClientConfig.Key). Each node gets one session, dialed through
// the endpoint when a call first needs it (concurrent calls share the
// dial) and reused by every call after; a session that closes is dialed
// again by the next call, and the session of a node that leaves the set
// is closed once its calls are done.
//
// # Failures and retries
//
// Only connection-level failures (ConnFailed: a failed dial, a lost
// connection, a failed write, an unavailable session) keep a node out
// for the selector's back-off; an application's error never does.
//
// A call is sent to another node, up to ClientConfig.MaxAttempts nodes in
// all and within the caller's context, only when it certainly never reached
// the first (NotSent: the dial failed, the session was down or going away,
// or had closed after its redial failed). A call that was written, or may
// have been, when its connection died fails with CodeConnClosed or
// CodeWriteFailed and is not retried: the handler may have run.
//
// rpc tells these apart well when the endpoint redials: give it a
// RedialPolicy with Attempts of 1 or more, so that a lost connection
// leaves the session down (its calls refused with CodeUnavailable, retried
// elsewhere) rather than closed. Without one, a call racing the loss of the
// connection may fail with CodeConnClosed although it was never written.
//
// Client and the plugin are safe for concurrent use.
package rpcdisc
