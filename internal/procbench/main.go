// Command procbench measures procman and Debian's supervisord side by side,
// on one configuration, in one run:
//
//   - restart latency: a child of an autorestart=true program notes the
//     time just before it exits, and its replacement the time it starts;
//     the difference, over many restarts, as a median and a 90th
//     percentile;
//   - idle: the daemon's CPU (utime+stime from /proc/PID/stat) over a
//     window and its resident memory (VmRSS) with 50 programs running that
//     print nothing;
//   - logging: the same while 10 of the 50 print 10 000 lines a second each,
//     which the daemon copies into log files; and how many lines a second
//     reached the files.
//
// Each daemon runs alone, one after the other, in a directory of its own;
// the children are this program re-executed. procman is built from
// cmd/procman, so run it from the module:
//
//	go run ./internal/procbench            # 30 s windows, 100 restarts
//	go run ./internal/procbench -short     # 5 s windows, 20 restarts
//
// make bench-procman runs the first. Nothing here is asserted: the numbers
// are printed, for BENCHMARKS.md.
//
// It runs on Linux only. supervisord is Debian's: apt-get install
// supervisor.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// options are the benchmark's settings.
type options struct {
	programs int           // programs running in all
	loud     int           // of them, those that print
	rate     int           // lines a second each loud program prints
	lineSize int           // bytes a line
	window   time.Duration // of the CPU measures
	samples  int           // restarts timed
	flapFor  time.Duration // how long each restarted child runs
	only     string        // "procman" or "supervisord": run one daemon
}

func main() {
	if code, ok := child(os.Args); ok {
		os.Exit(code)
	}
	var o options
	short := flag.Bool("short", false, "a short run: 5 s windows and 20 restarts, unless -window and -samples say otherwise")
	flag.IntVar(&o.programs, "programs", 50, "programs running")
	flag.IntVar(&o.loud, "loud", 10, "of them, programs that print")
	flag.IntVar(&o.rate, "rate", 10000, "lines a second each printing program prints")
	flag.IntVar(&o.lineSize, "line", 100, "bytes a line")
	flag.DurationVar(&o.window, "window", 30*time.Second, "how long CPU is measured, idle and while printing")
	flag.IntVar(&o.samples, "samples", 100, "restarts timed")
	flag.DurationVar(&o.flapFor, "flap", 100*time.Millisecond, "how long each restarted child runs before it exits")
	flag.StringVar(&o.only, "only", "", "run procman or supervisord alone")
	flag.Parse()
	if *short {
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["window"] {
			o.window = 5 * time.Second
		}
		if !set["samples"] {
			o.samples = 20
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
