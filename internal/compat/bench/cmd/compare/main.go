// Command compare measures dmicro side by side with a bare framed TCP echo
// (one write per frame, and coalesced), net/rpc and gRPC-go: each system's
// server and client in separate processes on loopback, the ~581-byte
// benchmark message each way, at 1 caller, 64 and 512 callers on one
// connection, and 64 callers on 64 connections. Runs are interleaved (A B
// C A B C ...) so that a busy neighbour slows every system alike, and the
// table gives the median of the runs. From the repository's root:
//
//	make bench-compare
//	cd internal/compat/bench && go run ./cmd/compare -runs 3 -duration 4s
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dmicro-go/dmicro/internal/loadgen"
)

// scenario is one load: callers on conns connections.
type scenario struct{ callers, conns int }

func (s scenario) String() string {
	if s.callers == 1 {
		return "1 caller"
	}
	return fmt.Sprintf("%d callers, %d conn", s.callers, s.conns)
}

var scenarios = []scenario{{1, 1}, {64, 1}, {512, 1}, {64, 64}}

// system is how to start one system's server and client.
type system struct {
	name   string
	server []string // argv of the server, without the address
	client []string // argv of the client, without address and load
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run() error {
	runs := flag.Int("runs", 3, "rounds of every system and scenario")
	duration := flag.Duration("duration", 4*time.Second, "measured window of each run")
	warmup := flag.Duration("warmup", time.Second, "calls before each window")
	only := flag.String("systems", "echo,echo-coalesced,netrpc,grpc,dmicro,dmicro-pb,dmicro-json,dmicro-http,dmicro-bytes", "systems to run, in this order")
	root := flag.String("root", "../../..", "the dmicro repository, for cmd/rpcbench")
	jsonOut := flag.String("json", "", "also write every result to this file, one JSON object per line")
	flag.Parse()

	bin, err := os.MkdirTemp("", "dmicro-compare")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)
	node, rpcbench := filepath.Join(bin, "node"), filepath.Join(bin, "rpcbench")
	if err := build(".", "./cmd/node", node); err != nil {
		return err
	}
	if err := build(*root, "./cmd/rpcbench", rpcbench); err != nil {
		return err
	}
	all := map[string]system{}
	for _, name := range []string{"echo", "echo-coalesced", "netrpc", "grpc"} {
		all[name] = system{name, []string{node, "-system", name, "-server"}, []string{node, "-system", name, "-client"}}
	}
	for name, wire := range map[string]string{"dmicro": "raw", "dmicro-pb": "pb", "dmicro-json": "json", "dmicro-http": "http"} {
		all[name] = system{name, []string{rpcbench, "-server", "-wire", wire}, []string{rpcbench, "-client", "-wire", wire}}
	}
	// The rpc layer alone: raw bytes with the plain codec, no protobuf.
	all["dmicro-bytes"] = system{"dmicro-bytes", []string{rpcbench, "-server"}, []string{rpcbench, "-client", "-bytes"}}
	var systems []system
	for _, name := range strings.Split(*only, ",") {
		s, ok := all[strings.TrimSpace(name)]
		if !ok {
			return fmt.Errorf("unknown system %q", name)
		}
		systems = append(systems, s)
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
	results := map[string]map[scenario][]loadgen.Result{}
	total := *runs * len(scenarios) * len(systems)
	n := 0
	for range *runs {
		for _, sc := range scenarios {
			for _, s := range systems {
				n++
				fmt.Fprintf(os.Stderr, "[%d/%d] %s, %s\n", n, total, s.name, sc)
				r, err := measure(s, sc, *warmup, *duration)
				if err != nil {
					return fmt.Errorf("%s, %s: %w", s.name, sc, err)
				}
				json.NewEncoder(log).Encode(r)
				if results[s.name] == nil {
					results[s.name] = map[scenario][]loadgen.Result{}
				}
				results[s.name][sc] = append(results[s.name][sc], r)
			}
		}
	}
	printTable(os.Stdout, systems, results, *runs, *duration)
	return nil
}

func build(dir, pkg, out string) error {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// measure runs one system's server and client once.
func measure(s system, sc scenario, warmup, duration time.Duration) (loadgen.Result, error) {
	srv := exec.Command(s.server[0], append(s.server[1:], "-addr", "127.0.0.1:0")...)
	srv.Stderr = os.Stderr
	out, err := srv.StdoutPipe()
	if err != nil {
		return loadgen.Result{}, err
	}
	if err := srv.Start(); err != nil {
		return loadgen.Result{}, err
	}
	defer func() {
		srv.Process.Signal(syscall.SIGTERM)
		srv.Wait()
	}()
	br := bufio.NewReader(out)
	line, _ := br.ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		return loadgen.Result{}, fmt.Errorf("the server said %q", line)
	}
	go io.Copy(io.Discard, br)
	args := append(s.client[1:], "-addr", addr, "-json",
		"-callers", strconv.Itoa(sc.callers), "-conns", strconv.Itoa(sc.conns),
		"-warmup", warmup.String(), "-duration", duration.String())
	cli := exec.Command(s.client[0], args...)
	cli.Stderr = os.Stderr
	b, err := cli.Output()
	if err != nil {
		return loadgen.Result{}, fmt.Errorf("client: %w", err)
	}
	var r loadgen.Result
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("client printed %q: %w", b, err)
	}
	r.System = s.name
	return r, nil
}

// median returns the median of the values f takes over rs.
func median(rs []loadgen.Result, f func(loadgen.Result) float64) float64 {
	vs := make([]float64, len(rs))
	for i, r := range rs {
		vs[i] = f(r)
	}
	slices.Sort(vs)
	if len(vs) == 0 {
		return 0
	}
	if len(vs)%2 == 1 {
		return vs[len(vs)/2]
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
}

func printTable(w io.Writer, systems []system, results map[string]map[scenario][]loadgen.Result, runs int, duration time.Duration) {
	host, _ := os.Hostname()
	fmt.Fprintf(w, "%d CPUs (%s/%s, %s, host %s); client and server in separate processes on loopback; medians of %d interleaved runs of %v each; closed loop\n\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), host, runs, duration)
	fmt.Fprintf(w, "| calls/s |")
	for _, sc := range scenarios {
		fmt.Fprintf(w, " %s |", sc)
	}
	fmt.Fprintf(w, " p99, 64 callers | CPU s per 100k calls, 64 callers |\n|---|")
	for range scenarios {
		fmt.Fprintf(w, "---:|")
	}
	fmt.Fprintf(w, "---:|---:|\n")
	rate := func(r loadgen.Result) float64 { return r.CallsPerSec }
	for _, s := range systems {
		fmt.Fprintf(w, "| %s |", s.name)
		for _, sc := range scenarios {
			fmt.Fprintf(w, " %s |", thousands(median(results[s.name][sc], rate)))
		}
		at64 := results[s.name][scenario{64, 1}]
		p99 := median(at64, func(r loadgen.Result) float64 { return float64(r.P99) })
		cpu := median(at64, func(r loadgen.Result) float64 { return r.CPUPer100k().Seconds() })
		fmt.Fprintf(w, " %v | %.2f |\n", time.Duration(p99).Round(10*time.Microsecond), cpu)
	}
	ratio := func(a, b string, sc scenario) string {
		ra, rb := median(results[a][sc], rate), median(results[b][sc], rate)
		if ra == 0 || rb == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", ra/rb)
	}
	fmt.Fprintf(w, "\n| ratio |")
	for _, sc := range scenarios {
		fmt.Fprintf(w, " %s |", sc)
	}
	fmt.Fprintf(w, "\n|---|")
	for range scenarios {
		fmt.Fprintf(w, "---:|")
	}
	fmt.Fprintf(w, "\n")
	for _, p := range [][2]string{{"dmicro", "echo-coalesced"}, {"dmicro", "echo"}, {"dmicro", "grpc"}, {"dmicro", "netrpc"}, {"dmicro-pb", "dmicro"}, {"dmicro-json", "dmicro"}, {"dmicro-http", "dmicro"}, {"dmicro-bytes", "echo-coalesced"}} {
		if results[p[0]] == nil || results[p[1]] == nil {
			continue
		}
		fmt.Fprintf(w, "| %s / %s |", p[0], p[1])
		for _, sc := range scenarios {
			fmt.Fprintf(w, " %s |", ratio(p[0], p[1], sc))
		}
		fmt.Fprintf(w, "\n")
	}
}

// thousands writes n as "12.3k".
func thousands(n float64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fk", n/1000)
}
