// Package bench is the comparison module of dmicro's benchmarks: the same
// workload as cmd/rpcbench (a unary echo of the ~581-byte benchmark
// message, client and server in separate processes on loopback) for a
// bare framed TCP echo, one write per frame and with writes coalesced,
// for net/rpc (gob) and for gRPC-go, so that one command measures them
// side by side with dmicro:
//
//	make bench-compare
//
// Package hotrestart and cmd/hotrestart compare lifecycle's hot restart
// with cloudflare/tableflip's on one net/http server under load
// (make bench-hotrestart).
//
// It is a module of its own so that the toolkit's go.mod never requires
// gRPC or tableflip. The rpc systems share internal/loadgen with
// cmd/rpcbench: same load, same histogram, same CPU and syscall
// accounting.
package bench
