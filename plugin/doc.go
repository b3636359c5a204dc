// Package plugin is the index of dmicro's plugins, each a package of its
// own under plugin/, built only on the hooks and interceptors of package
// rpc (rpc imports none of them):
//
//   - [github.com/dmicro-go/dmicro/plugin/auth]: a credential presented
//     right after dial, verified before any other message; the identity
//     in the handler's context; a handshake timeout.
//   - [github.com/dmicro-go/dmicro/plugin/heartbeat]: pings both ways
//     while a session is quiet; a silent peer's connection is closed (and
//     a dialed session redials).
//   - [github.com/dmicro-go/dmicro/plugin/ignorecase]: method names
//     matched without regard to case.
//   - [github.com/dmicro-go/dmicro/plugin/proxy]: calls and pushes with
//     no local handler forwarded to another endpoint, metadata, deadline
//     and status unchanged.
//   - [github.com/dmicro-go/dmicro/plugin/securebody]: per-call AES-GCM
//     bodies, the reply sealed too.
//   - [github.com/dmicro-go/dmicro/plugin/event]: an event bus, and the
//     endpoint's events published on it.
//   - [github.com/dmicro-go/dmicro/plugin/metrics]: Prometheus metrics
//     kept with atomics, served in the text and OpenMetrics formats.
//
// Plugins are values given to rpc.NewEndpoint (or to a route or group),
// in the order their hooks should run; none keeps package state, so two
// endpoints in one process may use two differently configured instances.
// This package's benchmark, BenchmarkPlugins (make bench-plugins), runs a
// call bare and with each plugin side by side in one process.
package plugin
