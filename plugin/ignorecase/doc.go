// Package ignorecase routes calls and pushes whose method names a route
// but for case: "/Math/ADD" reaches the handler of "/math/add".
//
// # Use
//
// Give a new [Plugin] to the server endpoint:
//
//	srv, err := rpc.NewEndpoint(cfg, ignorecase.New())
//
// Callers then reach its routes in any case, over any frame format: a
// dmicro client's Call(ctx, "/MATH/Add", ...) as well as curl's POST to
// /Math/ADD over the http format. Only case is ignored, not underscores:
// rpc names Go's MyCall.Echo "/my_call/echo", which "/MY_CALL/Echo"
// reaches and "/MyCall/Echo" does not. Case is what strings.ToLower
// changes.
//
// A method that names a route in its own case is routed as it is, at no
// cost beyond a map lookup, and no allocation. One that matches a route but
// for case is routed to that route, and its handler sees the route's path
// as its ServiceMethod. One that matches none is not changed, and gets
// CodeNotFound naming the method as sent.
//
// The fallbacks of groups (Router.SetUnknownCall and SetUnknownPush) match
// their prefix without regard to case as well: with a fallback on /proxy,
// "/PROXY/Users/List" reaches it as "/proxy/Users/List" (the prefix as
// registered, the rest as sent). As in the rpc router, a route wins over a
// fallback, and a longer prefix over a shorter one.
//
// # Failures
//
// Registering a route whose path differs from a registered one only in
// case fails, with an error wrapping [ErrConflict], and the route is not
// registered: the plugin could not tell the two apart. Calls and pushes
// are apart: a call route and a push route may differ only in case.
//
// The plugin indexes the routes of one endpoint as they are registered (in
// its AfterRoute hook), so each endpoint needs its own, given to
// rpc.NewEndpoint: a plugin given to a second endpoint fails its
// NewEndpoint, and one given to a group or route fails its routes, both
// with an error wrapping [ErrMisused].
//
// # Concurrency
//
// A Plugin is safe for concurrent use. Its hooks read the index without a
// lock; registering a route copies it, so registering n routes costs
// O(n²), as the rpc router's own table does.
package ignorecase
