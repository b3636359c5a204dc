//go:build race

package filter

// raceEnabled is true under the race detector, which makes sync.Pool drop
// items at random and so makes pooled compressors allocate.
const raceEnabled = true
