//go:build !unix

package loadgen

import "time"

// cpuTime is unknown outside unix systems.
func cpuTime() time.Duration { return 0 }
