// Package rpctest is the rpc conformance suite: the behaviours every
// transport and frame format must keep — calls and pushes both ways,
// metadata, deadlines and cancellation, concurrency, redial after the
// server restarts, going away with calls in flight, and bad input — run
// over real connections.
//
// A transport is tested by one line:
//
//	func TestConformance(t *testing.T) { rpctest.Run(t, rpctest.TCP()) }
//
// Each sub-test checks for leaked goroutines and file descriptors.
package rpctest
