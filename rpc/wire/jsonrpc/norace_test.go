//go:build !race

package jsonrpc

// raceEnabled is true under the race detector, which makes sync.Pool drop
// items at random and so makes pooled buffers allocate.
const raceEnabled = false
