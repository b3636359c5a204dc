//go:build !race

package http

// raceEnabled is true under the race detector, which makes sync.Pool drop
// items at random and so makes pooled reads allocate.
const raceEnabled = false
