// Package hotrestart measures a net/http server hot-restarted by dmicro's
// lifecycle and by cloudflare/tableflip under the same load, side by side:
// failed requests, the longest stall a client sees, latency, and the time
// from the reload signal to the first response of the new process.
//
// The two servers serve the same [Handler] on a fixed loopback port: one
// (cmd/hotrestart-dmicro) is a lifecycle App with one sandbox serving
// net/http on lifecycle.BaseSandbox.Listen through lifecycle.HTTPServer
// (or a bare http.Server: [DmicroPlain]), the other
// (cmd/hotrestart-tableflip) tableflip's documented pattern; neither links
// the other's library. [Run] starts one of them, drives closed-loop
// keep-alive clients against it and sends SIGHUP to the pid in its pid file
// for every reload. From the repository's root:
//
//	make bench-hotrestart
//	cd internal/compat/bench && go run ./cmd/hotrestart -runs 7 -reloads 10
//
// It runs on Unix. On Linux the driver makes itself the subreaper of the
// servers (a reload's new process is the old one's child, orphaned when
// that exits), so that it reaps them; elsewhere it polls their pids.
package hotrestart
