//go:build unix

// Command hotrestart runs the same net/http server hot-restarted by
// dmicro's lifecycle and by cloudflare/tableflip under the same load, side
// by side: closed-loop keep-alive clients on loopback for the whole run,
// a number of reloads by SIGHUP, and what the clients saw (failed
// requests, the longest stall, latency) and how long each reload took
// until the new process served. Runs are interleaved (dmicro tableflip
// dmicro tableflip ...) and the table gives the medians of the runs.
// dmicro serves through lifecycle.HTTPServer, as lifecycle's documentation
// says to; -systems dmicro-plain adds the same app serving a bare
// http.Server. From the repository's root:
//
//	make bench-hotrestart
//	cd internal/compat/bench && go run ./cmd/hotrestart -runs 7 -reloads 10
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/dmicro-go/dmicro/internal/compat/bench/hotrestart"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "hotrestart:", err)
		os.Exit(1)
	}
}

func run() error {
	runs := flag.Int("runs", 7, "runs of each system, interleaved")
	var o hotrestart.Options
	flag.IntVar(&o.Clients, "clients", 32, "closed-loop keep-alive clients")
	flag.IntVar(&o.Reloads, "reloads", 10, "reloads in each run")
	flag.StringVar(&o.Path, "path", "/work", "what the clients ask for: /work (5 ms) or / (at once)")
	flag.DurationVar(&o.Warmup, "warmup", time.Second, "load before the first reload")
	flag.DurationVar(&o.Pause, "pause", time.Second, "load between a reload's end (the old process gone) and the next")
	flag.DurationVar(&o.Tail, "tail", time.Second, "load after the last reload")
	only := flag.String("systems", "dmicro,tableflip", "systems to run, in this order: dmicro (lifecycle.HTTPServer), dmicro-plain (a bare http.Server), tableflip")
	jsonOut := flag.String("json", "", "also write every run's result to this file, one JSON object per line")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	bin, err := os.MkdirTemp("", "dmicro-hotrestart")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)
	exe := func(name string) (string, error) {
		path := filepath.Join(bin, "hotrestart-"+name)
		if out, err := exec.Command("go", "build", "-o", path, "./cmd/hotrestart-"+name).CombinedOutput(); err != nil {
			return "", fmt.Errorf("go build ./cmd/hotrestart-%s: %v\n%s", name, err, out)
		}
		return path, nil
	}
	dmicroBin, err := exe("dmicro")
	if err != nil {
		return err
	}
	tableflipBin, err := exe("tableflip")
	if err != nil {
		return err
	}
	all := map[string]hotrestart.Server{
		"dmicro":       hotrestart.Dmicro(dmicroBin),
		"dmicro-plain": hotrestart.DmicroPlain(dmicroBin),
		"tableflip":    hotrestart.Tableflip(tableflipBin),
	}
	var systems []string
	for name := range strings.SplitSeq(*only, ",") {
		name = strings.TrimSpace(name)
		if _, ok := all[name]; !ok {
			return fmt.Errorf("unknown system %q (want dmicro, dmicro-plain or tableflip)", name)
		}
		systems = append(systems, name)
	}

	var log io.Writer = io.Discard
	if *jsonOut != "" {
		f, err := os.Create(*jsonOut)
		if err != nil {
			return err
		}
		defer f.Close()
		log = f
	}
	results := map[string][]hotrestart.Result{}
	n, total := 0, *runs*len(systems)
	for range *runs {
		for _, name := range systems {
			n++
			r, err := hotrestart.Run(ctx, all[name], o)
			if err != nil {
				return fmt.Errorf("run %d: %w", n, err)
			}
			fmt.Fprintf(os.Stderr, "[%d/%d] %-9s ok %d failed %d %v conns %d resent %d stall %v (reload median %v, warm-up %v) quiet %v p99 %v max %v serving %v\n",
				n, total, name, r.OK, r.Failed, r.Failures, r.Conns, r.Resent, ms(r.Stall),
				ms(median(r.Reloads, func(x hotrestart.Reload) time.Duration { return x.Stall })), ms(r.BaseStall),
				ms(r.Quiet), ms(r.P99), ms(r.Max),
				ms(median(r.Reloads, func(x hotrestart.Reload) time.Duration { return x.Serving })))
			if k, since := reloadBefore(r.Signals, r.QuietEnd-r.Quiet); k > 0 {
				fmt.Fprintf(os.Stderr, "    no response at all for %v from %v after reload %d\n", ms(r.Quiet), ms(since), k)
			}
			for _, f := range r.FailedAt {
				k, since := reloadBefore(r.Signals, f.At)
				fmt.Fprintf(os.Stderr, "    failed %v after reload %d: %s %v\n", ms(since), k, f.Err, f.Conns)
			}
			json.NewEncoder(log).Encode(r)
			results[name] = append(results[name], r)
		}
	}
	printTable(os.Stdout, systems, results, *runs, o)
	return nil
}

// reloadBefore returns the number (from 1) of the last reload signalled
// before at, and the time since; 0 for none.
func reloadBefore(signals []time.Duration, at time.Duration) (int, time.Duration) {
	k, since := 0, at
	for i, s := range signals {
		if s <= at {
			k, since = i+1, at-s
		}
	}
	return k, since
}

// median returns the median of f over xs (the mean of the middle two for
// an even count).
func median[T any](xs []T, f func(T) time.Duration) time.Duration {
	vs := make([]time.Duration, len(xs))
	for i, x := range xs {
		vs[i] = f(x)
	}
	slices.Sort(vs)
	switch n := len(vs); {
	case n == 0:
		return 0
	case n%2 == 1:
		return vs[n/2]
	default:
		return (vs[n/2-1] + vs[n/2]) / 2
	}
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

func printTable(w io.Writer, systems []string, results map[string][]hotrestart.Result, runs int, o hotrestart.Options) {
	host, _ := os.Hostname()
	fmt.Fprintf(w, "%d CPUs (%s/%s, %s, host %s); %d keep-alive clients on loopback asking for %s, %d reloads by SIGHUP a run, %v apart; medians of %d interleaved runs; a reload window is from the signal until %v after the old process is gone\n\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), host, o.Clients, o.Path, o.Reloads, o.Pause, runs, hotrestart.StallMargin)
	fmt.Fprintf(w, "| |")
	for _, s := range systems {
		fmt.Fprintf(w, " %s |", s)
	}
	fmt.Fprintf(w, "\n|---|")
	for range systems {
		fmt.Fprintf(w, "---:|")
	}
	fmt.Fprintln(w)
	row := func(label string, f func([]hotrestart.Result) string) {
		fmt.Fprintf(w, "| %s |", label)
		for _, s := range systems {
			fmt.Fprintf(w, " %s |", f(results[s]))
		}
		fmt.Fprintln(w)
	}
	med := func(f func(hotrestart.Result) time.Duration) func([]hotrestart.Result) string {
		return func(rs []hotrestart.Result) string { return ms(median(rs, f)) }
	}
	reloads := func(rs []hotrestart.Result) []hotrestart.Reload {
		var out []hotrestart.Reload
		for _, r := range rs {
			out = append(out, r.Reloads...)
		}
		return out
	}
	row("requests ok, median", func(rs []hotrestart.Result) string {
		return fmt.Sprint(median(rs, func(r hotrestart.Result) time.Duration { return time.Duration(r.OK) }).Nanoseconds())
	})
	row("requests failed, all runs", func(rs []hotrestart.Result) string {
		failed, kinds := 0, map[string]int{}
		for _, r := range rs {
			failed += r.Failed
			for k, n := range r.Failures {
				kinds[k] += n
			}
		}
		if failed == 0 {
			return "0"
		}
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(kinds)) {
			parts = append(parts, fmt.Sprintf("%d %s", kinds[k], k))
		}
		return fmt.Sprintf("%d (%s)", failed, strings.Join(parts, ", "))
	})
	row("connections opened, median", func(rs []hotrestart.Result) string {
		return fmt.Sprint(median(rs, func(r hotrestart.Result) time.Duration { return time.Duration(r.Conns) }).Nanoseconds())
	})
	row("longest stall of a client in a reload window, median", func(rs []hotrestart.Result) string {
		return ms(median(reloads(rs), func(x hotrestart.Reload) time.Duration { return x.Stall }))
	})
	row("longest stall of a client in a reload window, p90", func(rs []hotrestart.Result) string {
		vs := reloads(rs)
		if len(vs) == 0 {
			return "-"
		}
		slices.SortFunc(vs, func(a, b hotrestart.Reload) int { return cmp.Compare(a.Stall, b.Stall) })
		return ms(vs[len(vs)*9/10].Stall)
	})
	row("longest stall of a client in a reload window, worst", func(rs []hotrestart.Result) string {
		var m time.Duration
		for _, x := range reloads(rs) {
			m = max(m, x.Stall)
		}
		return ms(m)
	})
	row("longest stall of a client in the warm-up (no reload), median", med(func(r hotrestart.Result) time.Duration { return r.BaseStall }))
	row("longest time with no response at all", med(func(r hotrestart.Result) time.Duration { return r.Quiet }))
	row("latency p50", med(func(r hotrestart.Result) time.Duration { return r.P50 }))
	row("latency p99", med(func(r hotrestart.Result) time.Duration { return r.P99 }))
	row("latency max", med(func(r hotrestart.Result) time.Duration { return r.Max }))
	row("reload → new process ready (pid file), median", func(rs []hotrestart.Result) string {
		return ms(median(reloads(rs), func(x hotrestart.Reload) time.Duration { return x.Ready }))
	})
	row("reload → new pid serving, median of all reloads", func(rs []hotrestart.Result) string {
		return ms(median(reloads(rs), func(x hotrestart.Reload) time.Duration { return x.Serving }))
	})
	row("reload → new pid serving, max", func(rs []hotrestart.Result) string {
		var m time.Duration
		for _, x := range reloads(rs) {
			m = max(m, x.Serving)
		}
		return ms(m)
	})
	row("reload → old process gone, median", func(rs []hotrestart.Result) string {
		return ms(median(reloads(rs), func(x hotrestart.Reload) time.Duration { return x.Done }))
	})
}
