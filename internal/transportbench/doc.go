// Package transportbench measures one rpc call over every transport side by
// side: calls per second and latency percentiles of the ~581-byte
// benchmark message each way, at 1 and 64 concurrent callers on one
// session. It has only benchmarks:
//
//	go test -run '^$' -bench . -benchtime 3s -count 3 ./internal/transportbench/
package transportbench
