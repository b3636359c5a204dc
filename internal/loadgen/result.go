package loadgen

import (
	"fmt"
	"strings"
	"time"
)

// Result is one measured run.
type Result struct {
	// System names what was called ("dmicro", "grpc", ...).
	System string `json:"system"`
	// Callers and Conns describe the load.
	Callers int `json:"callers"`
	Conns   int `json:"conns"`
	// Calls completed in the window, and Errors; FirstError says the first.
	Calls      int64  `json:"calls"`
	Errors     int64  `json:"errors"`
	FirstError string `json:"first_error,omitempty"`
	// Elapsed is the window's length.
	Elapsed time.Duration `json:"elapsed_ns"`
	// CallsPerSec is Calls over Elapsed.
	CallsPerSec float64 `json:"calls_per_sec"`
	// Latencies of the calls.
	Mean time.Duration `json:"mean_ns"`
	P50  time.Duration `json:"p50_ns"`
	P99  time.Duration `json:"p99_ns"`
	P999 time.Duration `json:"p999_ns"`
	Max  time.Duration `json:"max_ns"`
	// ClosedLoop is true when callers called back to back, with no rate.
	ClosedLoop bool `json:"closed_loop"`
	// Client and Server are what the two processes spent in the window;
	// a zero Server means unknown.
	Client Usage `json:"client"`
	Server Usage `json:"server"`
}

// fill sets the counts and latencies from h.
func (r *Result) fill(h *Histogram) {
	r.Calls = h.Count()
	if r.Elapsed > 0 {
		r.CallsPerSec = float64(r.Calls) / r.Elapsed.Seconds()
	}
	r.Mean, r.Max = h.Mean(), h.Max()
	r.P50, r.P99, r.P999 = h.Quantile(0.5), h.Quantile(0.99), h.Quantile(0.999)
}

// CPUPer100k returns the CPU time client and server spent per 100,000
// calls.
func (r Result) CPUPer100k() time.Duration {
	if r.Calls == 0 {
		return 0
	}
	return time.Duration(float64(r.Client.CPU+r.Server.CPU) / float64(r.Calls) * 1e5)
}

// String is a human-readable summary, several lines.
func (r Result) String() string {
	var b strings.Builder
	loop := "at a fixed rate, latency from when each call was due"
	if r.ClosedLoop {
		loop = "closed loop"
	}
	fmt.Fprintf(&b, "%s: %d callers on %d connections, %s, %v window\n", r.System, r.Callers, r.Conns, loop, r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(&b, "  calls/s   %.0f   (%d calls, %d errors)\n", r.CallsPerSec, r.Calls, r.Errors)
	fmt.Fprintf(&b, "  latency   mean %v  p50 %v  p99 %v  p99.9 %v  max %v\n", us(r.Mean), us(r.P50), us(r.P99), us(r.P999), us(r.Max))
	per := func(u Usage) string {
		if r.Calls == 0 {
			return "-"
		}
		s := fmt.Sprintf("%.2f s CPU per 100k calls", (u.CPU.Seconds()/float64(r.Calls))*1e5)
		if u.SysRead >= 0 {
			s += fmt.Sprintf(", %.2f read and %.2f write syscalls per call", float64(u.SysRead)/float64(r.Calls), float64(u.SysWrite)/float64(r.Calls))
		}
		return s
	}
	fmt.Fprintf(&b, "  client    %s\n", per(r.Client))
	if r.Server.CPU > 0 {
		fmt.Fprintf(&b, "  server    %s\n", per(r.Server))
		fmt.Fprintf(&b, "  both      %.2f s CPU per 100k calls\n", r.CPUPer100k().Seconds())
	}
	if r.FirstError != "" {
		fmt.Fprintf(&b, "  first error: %s\n", r.FirstError)
	}
	return b.String()
}

// us rounds d for display.
func us(d time.Duration) string {
	if d >= time.Millisecond {
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(100 * time.Nanosecond).String()
}
