//go:build !race

package wiretest

// raceEnabled is true under the race detector, which makes sync.Pool drop
// items at random: pooled reads then allocate, and the suite skips its
// allocation pins.
const raceEnabled = false
