// Package metrics is an rpc plugin that keeps Prometheus metrics of an
// endpoint — calls and pushes by method and code on both sides, call
// durations, calls in flight, sessions, connections, redials and bytes —
// and serves them over HTTP.
//
// # Use
//
// Make a [Metrics] with [New], give it to [rpc.NewEndpoint] as a plugin,
// and serve it on an HTTP server of your own:
//
//	mt, err := metrics.New(metrics.Config{ConstLabels: map[string]string{"service": "billing"}})
//	...
//	e, err := rpc.NewEndpoint(cfg, mt)
//	...
//	http.Handle("/metrics", mt)
//
// The zero [Config] works. One Metrics may be given to several endpoints:
// their numbers add up. Give it to NewEndpoint, not to a route or a group
// (those see only some hooks).
//
// # Metrics
//
// With the default namespace "dmicro" ("client" is the side that sends a
// call or push, "server" the side that receives it; an endpoint is both):
//
//	dmicro_client_calls_total{method,code}            calls sent, by result
//	dmicro_client_call_duration_seconds{method}       histogram: call sent to reply decoded
//	dmicro_client_calls_in_flight                     calls sent and waiting for a reply
//	dmicro_client_pushes_total{method,code}           pushes sent, by the result of sending
//	dmicro_server_calls_total{method,code}            calls answered: replies written, by code
//	dmicro_server_call_duration_seconds{method}       histogram: call read to reply written
//	dmicro_server_requests_in_flight                  calls and pushes read whose handlers run or wait
//	dmicro_server_pushes_received_total{method}       pushes read
//	dmicro_server_pushes_total{method,code}           pushes whose handler ran, by its result
//	dmicro_received_bytes_total                       bytes read from the connections
//	dmicro_sent_bytes_total                           bytes written to the connections
//	dmicro_sessions{side}                             sessions now, side accepted or dialed
//	dmicro_connections_total{side}                    connections made (redials included)
//	dmicro_disconnections_total{side}                 connections that ended
//	dmicro_redials_total                              connections made again by redialing sessions
//	dmicro_dial_failures_total                        dial and redial attempts that failed
//
// and with [Config.Runtime], go_goroutines, go_threads, go_gomaxprocs,
// go_heap_objects_bytes, go_heap_live_bytes, go_heap_goal_bytes,
// go_memory_mapped_bytes, go_heap_allocated_bytes_total,
// go_heap_allocated_objects_total, go_gc_cycles_total and
// go_gc_cpu_seconds_total, read from runtime/metrics at each scrape.
// [Config.ConstLabels] are added to every sample.
//
// The code label is "ok" for success, else the name of the [rpc.Code] with
// underscores for spaces ("not_found", "deadline_exceeded",
// "handler_panic"), or "other" for codes the rpc package does not define
// (application codes from [rpc.CodeUser] up). A series appears once it has
// counted something; the gauges and the endpoint-wide counters are always
// there.
//
// The gauges of work in flight and the byte counters are the endpoints'
// own ([rpc.Endpoint.Stats]), read at each scrape: they cost the call path
// nothing here. A call whose reply could not be written (its connection
// was gone) is not counted in server_calls_total, and leaves the
// in-flight gauge when its handler returns. Client durations include
// encoding the argument and decoding the reply. Bytes are whole frames,
// headers included, on every connection of the endpoints (closed ones
// too, and endpoints closed since: the counters never go down).
//
// # Labels and memory
//
// Method labels are learnt as calls and pushes come and go, and from the
// routes an endpoint registers. A peer that calls ten thousand made-up
// paths could make ten thousand labels, so at most [Config.MaxMethods]
// (1000) are learnt from traffic; further methods, and methods that do not
// begin with "/", are longer than 256 bytes or are not valid UTF-8, are
// counted under the method label [OtherMethod] ("other"), and the endpoint
// logs once, at Warn, that the cap was reached. The routes' paths always
// get their own label. A label costs about 1.2 KiB with the default
// buckets, and 0.5 KiB more per shard past the first when the counters
// are striped (see Cost): 2.7 KiB with 4 Ps, 4.7 KiB with 8 or more. So
// 1000 labels take at most about 5 MiB.
//
// # Cost
//
// The hooks take no lock and add no allocation to a call. Counters and
// histograms are atomic integers. A method's counters are found in a map
// that is replaced, never changed, when a method is learnt, behind a
// cache of the method looked up last. The gauges of work in flight and
// the byte totals are read from [rpc.Endpoint.Stats] at each scrape, so a
// call runs only the plugin's call interceptor on one side and its
// AfterWriteReply hook (and a pass-through handler interceptor) on the
// other. When New runs with GOMAXPROCS 4 or more, the counters a call
// updates are striped: kept once per P, up to 8 times, each copy on cache
// lines of its own and found through a sync.Pool, so that cores do not
// take lines from each other at every call; a scrape adds the copies up.
// With fewer Ps striping costs more than it saves (measured on 2 vCPUs),
// and each counter is kept once. Failures, by code, are never striped.
//
// For each call the plugin reads the monotonic clock three times (twice
// on the calling side, once on the answering side: the rpc package reads
// the clock when a call arrives) and adds to six counters. On a 2-vCPU
// VM, BenchmarkRecord, both sides' work for one call without the
// endpoint, takes 0.14 µs on one goroutine and 0.2 µs with 64 sharing the
// counters. The whole call at 64 concurrent callers, bare and with a
// Metrics on each side, each run in a process of its own, 100 pairs in
// alternating order (BENCHMARKS.md, "Plugins", gives the loop), took
// 3.6% more time (medians 6921 and 7167 ns/op) and 6.4% more CPU (10090
// and 10737 cpu-ns/op), where single runs vary by 10% either way.
// BenchmarkCall compares a call with and without the plugin in this
// package.
//
// # Exposition
//
// [Metrics.ServeHTTP] writes the Prometheus text format 0.0.4
// ("text/plain; version=0.0.4"), or OpenMetrics 1.0.0 when the request's
// Accept header prefers "application/openmetrics-text", as Prometheus's
// does. Both are checked by the tests with promtool and by a real
// Prometheus server scraping each. A scrape takes no lock the call path
// takes; a histogram's buckets and count come from one read of its
// buckets, so they always agree.
//
// # Failures
//
// [New] refuses an invalid [Config] with errors wrapping
// [ErrInvalidConfig]. The hooks never fail a call or a session. A scrape
// whose client goes away mid-answer is dropped.
package metrics
