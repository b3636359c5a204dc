// Package loadgen drives a call-per-request load and measures it the same
// way for every system compared: dmicro's cmd/rpcbench and the comparison
// module's clients (gRPC-go, net/rpc, bare framed echoes) share it, so
// their numbers differ only by what they call.
//
// [Run] makes calls from many callers for a duration after a warm-up,
// closed-loop (each caller calls again as soon as its call returns) or at
// a fixed rate. At a fixed rate it is coordinated-omission aware: a call's
// latency counts from when it was due, not from when a caller stuck behind
// a slow call got round to sending it. Latencies go into a [Histogram]
// with HDR-style log-linear buckets (under 0.8% error). [Self] reads a
// process's CPU time and read and write syscall counts, which the
// benchmarked servers also report, so the cost per call of both processes
// can be given.
package loadgen
