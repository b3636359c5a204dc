// Package heartbeat is an rpc plugin that keeps idle sessions alive and
// closes the connections of peers that fell silent: a peer that crashed
// without closing its socket, a network that dropped the route, a process
// that is stuck and reads nothing.
//
// Give the same plugin to both sides (every endpoint is a server and a
// client at once):
//
//	hb := heartbeat.New(heartbeat.Config{}) // ping after 15 s of silence, close after 45 s
//	ep, err := rpc.NewEndpoint(rpc.Config{Redial: rpc.RedialPolicy{Attempts: -1}}, hb)
//
// # What it does
//
// The plugin counts every frame a session receives (a call, reply, push,
// cancel or go-away) as a sign of life; it reads no clock per frame, only
// sets a flag. One goroutine per endpoint looks at each session four times
// per Config.Interval:
//
//   - A session that received something since the last look is fine: real
//     traffic makes pings unnecessary, and a busy session sends none.
//   - A session that received nothing for an Interval is pinged: a call to
//     Config.Path ("/heartbeat"), answered with an empty reply. Any answer
//     will do: a peer without the plugin answers "not found", which proves
//     as well that it reads and writes. While the silence lasts, pings go
//     out every Interval, at most one in flight per session.
//   - A session that received nothing for Misses×Interval (3×15 s by
//     default) has its connection closed with [rpc.Session.CloseConn]: a
//     dialed session then redials by its endpoint's RedialPolicy (and the
//     watching starts over on the new connection), an accepted one is
//     closed for good. Calls in flight on that connection fail with
//     CodeConnClosed and a cause matching [ErrSilent]; the endpoint's
//     logger gets one Warn line per closed connection (at most ten per
//     look, then one line with the count of the others).
//
// Both sides ping when they hear nothing, so either one alone keeps an idle
// session alive and detects a dead peer, whether or not the peer runs the
// plugin. A dialed session is also pinged as soon as it is connected, so
// that a client that only listens for pushes sends the server a frame well
// within its rpc.Config.FirstFrameTimeout (10 s by default, which is
// shorter than the default Interval), and a redialed connection is proven
// by the reply instead of by waiting for RedialPolicy.StableAfter.
//
// Timing: a ping goes out between 1 and 1¼ Intervals into a silence, and a
// silent connection is closed between Misses and Misses+¼ Intervals into
// it. A frame counts once it has been read whole, so a single frame that
// takes longer than Misses×Interval to arrive is taken for silence (by
// default that is 45 s, longer than rpc.Config.ReadTimeout allows a frame).
//
// Pings are ordinary calls: the interceptors and hooks of both sides see
// them, and an endpoint with rpc.Config.LogCalls logs them; a plugin that
// counts calls can leave out Config.Path.
//
// # HTTP and JSON-RPC
//
// Over the http format, two dmicro endpoints may call each other in both
// directions, and the plugin works as over any other format. But an
// endpoint that serves http or jsonrpc (as rpc.Config.Format or among
// rpc.Config.Formats) does not ping the sessions it accepts: their peers may
// be plain HTTP or JSON-RPC clients (curl, a browser, any HTTP library),
// which cannot take a request and would break on one. It still closes
// those sessions when they are silent for Misses intervals, as an HTTP
// server closes idle keep-alive connections. A dmicro client with the
// plugin pings, and so stays connected; its own dialed sessions are pinged
// as over any format.
//
// # Cost
//
// Per frame received, a lookup in the session's Values and a load of a
// flag (a store at most once between two looks). Per endpoint, one
// goroutine waking four times per Interval and going through the sessions.
// Per idle session, one ping call per Interval, run by the endpoint as an
// AsyncCall.
//
// # Goroutines and concurrency
//
// The goroutine of an endpoint starts with its first session and stops,
// waited for, in AfterCloseEndpoint. A Heartbeat may be given to several
// endpoints; each gets its own goroutine. All its methods are safe for
// concurrent use.
package heartbeat
