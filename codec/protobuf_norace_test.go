//go:build !race

package codec

// raceEnabled reports a -race build, whose instrumentation allocates.
const raceEnabled = false
