//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dmicro-go/dmicro/internal/supervisortest"
)

// child runs a child mode when args (os.Args) say so.
func child(args []string) (int, bool) {
	if len(args) > 1 && args[1] == supervisortest.ChildArg {
		return supervisortest.RunChild(args[2:]), true
	}
	return 0, false
}

// result is what one daemon measured.
type result struct {
	kind    supervisortest.Kind
	version string
	restart []time.Duration // sorted
	idle    measure
	logging measure
}

// measure is the daemon's use over a window.
type measure struct {
	cpu   time.Duration // utime+stime over the window
	rss   int64         // at the end of the window, bytes
	lines float64       // lines a second that reached the log files
}

// run measures each daemon in turn and writes the table to w.
func run(ctx context.Context, o options, w io.Writer) error {
	if o.loud < 0 || o.loud > o.programs || o.programs < 1 || o.samples < 1 || o.window <= 0 {
		return errors.New("procbench: need 0 <= loud <= programs, programs >= 1, samples >= 1 and a window")
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	root, err := os.MkdirTemp("", "procbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)
	kinds := []supervisortest.Kind{supervisortest.Procman, supervisortest.Supervisord}
	if o.only != "" {
		kinds = []supervisortest.Kind{supervisortest.Kind(o.only)}
	}
	bins := map[supervisortest.Kind]string{}
	for _, k := range kinds {
		switch k {
		case supervisortest.Procman:
			bins[k], err = supervisortest.BuildProcman(ctx, filepath.Join(root, "bin"))
		case supervisortest.Supervisord:
			bins[k], err = supervisortest.FindSupervisord()
		default:
			err = fmt.Errorf("procbench: -only %q is not procman or supervisord", k)
		}
		if err != nil {
			return err
		}
	}
	floorDir := filepath.Join(root, "floor")
	bare, err := floor(ctx, o, floorDir, supervisortest.Children{Exe: exe, Token: floorDir})
	if err != nil {
		return err
	}
	var results []result
	for _, k := range kinds {
		fmt.Fprintf(os.Stderr, "procbench: %s...\n", k)
		dir := filepath.Join(root, string(k))
		r, err := bench(ctx, o, k, bins[k], dir, supervisortest.Children{Exe: exe, Token: dir})
		if left := supervisortest.KillSurvivors(dir); len(left) > 0 && err == nil {
			err = fmt.Errorf("procbench: %s left processes behind (killed now): %v", k, left)
		}
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	report(w, o, results, bare)
	return nil
}

// config is the benchmark's configuration, the same for both daemons.
func config(o options, c supervisortest.Children) string {
	return supervisortest.Config(fmt.Sprintf(`[program:idle]
command = %s
numprocs = %d
process_name = %%(program_name)s-%%(process_num)02d
startsecs = 1

[program:loud]
command = %s
numprocs = %d
process_name = %%(program_name)s-%%(process_num)02d
startsecs = 1
stdout_logfile = %%(here)s/%%(program_name)s-%%(process_num)02d.log
stdout_logfile_maxbytes = 0

; procman restarts a process that keeps exiting within backoff_reset
; (default 1 min) of its start after a back-off; supervisord at once,
; always. backoff_reset, procman's own key, which supervisord ignores,
; makes procman restart at once too, as this measure asks.
[program:flap]
command = %s
autostart = false
autorestart = true
startsecs = 0
stdout_logfile = NONE
backoff_reset = 10ms
`, c.Command("sleep"), o.programs-o.loud, c.Command("loud", strconv.Itoa(o.rate), strconv.Itoa(o.lineSize)), o.loud,
		c.Command("flap", "%(here)s/flap.sock", o.flapFor.String())))
}

// bench runs one daemon through the three measures.
func bench(ctx context.Context, o options, kind supervisortest.Kind, bin, dir string, c supervisortest.Children) (result, error) {
	r := result{kind: kind}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return r, err
	}
	flaps, err := listenFlaps(filepath.Join(dir, "flap.sock"))
	if err != nil {
		return r, err
	}
	defer flaps.Close()
	sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	d, err := supervisortest.Start(sctx, kind, bin, dir, config(o, c))
	if err != nil {
		return r, err
	}
	defer d.Stop(time.Minute, dir)
	if err := d.Call(ctx, "supervisor.getSupervisorVersion", nil, &r.version); err != nil {
		return r, err
	}
	want := map[string]string{}
	for i := range o.programs - o.loud {
		want[fmt.Sprintf("idle:idle-%02d", i)] = "RUNNING"
	}
	for i := range o.loud {
		want[fmt.Sprintf("loud:loud-%02d", i)] = "RUNNING"
	}
	if err := d.WaitStates(sctx, want); err != nil {
		return r, err
	}

	// Restart latency, with the other programs idle.
	if r.restart, err = restarts(ctx, o, d, flaps, filepath.Join(dir, "flap.sock.hold")); err != nil {
		return r, err
	}

	// Idle.
	if r.idle, err = window(ctx, o, d, nil); err != nil {
		return r, err
	}

	// Logging: the loud programs print from their SIGUSR1 on.
	var logs []string
	for i := range o.loud {
		logs = append(logs, filepath.Join(dir, fmt.Sprintf("loud-%02d.log", i)))
	}
	if o.loud > 0 {
		var sig any
		if err := d.Call(ctx, "supervisor.signalProcessGroup", []any{"loud", "USR1"}, &sig); err != nil {
			return r, fmt.Errorf("procbench: %s: signalProcessGroup: %w", kind, err)
		}
		if r.logging, err = window(ctx, o, d, logs); err != nil {
			return r, err
		}
		var stopped any
		if err := d.Call(ctx, "supervisor.stopProcessGroup", []any{"loud", true}, &stopped); err != nil {
			return r, fmt.Errorf("procbench: %s: stopProcessGroup: %w", kind, err)
		}
	}
	if err := d.Stop(time.Minute, dir); err != nil {
		return r, fmt.Errorf("procbench: %s: %w", kind, err)
	}
	return r, nil
}

// flap is a message of a flap child.
type flap struct {
	what string // start, exit or hold
	at   time.Time
}

// flapConn reads the flap children's messages.
type flapConn struct {
	conn *net.UnixConn
	msgs chan flap
}

func listenFlaps(path string) (*flapConn, error) {
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return nil, err
	}
	f := &flapConn{conn: conn, msgs: make(chan flap, 1024)}
	go func() {
		defer close(f.msgs)
		buf := make([]byte, 128)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			what, ns, _ := strings.Cut(string(buf[:n]), " ")
			t, err := strconv.ParseInt(ns, 10, 64)
			if err != nil {
				continue
			}
			f.msgs <- flap{what: what, at: time.Unix(0, t)}
		}
	}()
	return f, nil
}

func (f *flapConn) Close() error { return f.conn.Close() }

// restarts starts the flap program and times o.samples restarts: from the
// exit a child noted to the start its replacement noted. Then it makes the
// next child hold, so that the program can be stopped while it runs.
func restarts(ctx context.Context, o options, d *supervisortest.Daemon, f *flapConn, hold string) ([]time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(o.samples)*(o.flapFor+2*time.Second)+time.Minute)
	defer cancel()
	var ok bool
	if err := d.Call(ctx, "supervisor.startProcess", []any{"flap", false}, &ok); err != nil {
		return nil, fmt.Errorf("procbench: %s: start flap: %w", d.Kind, err)
	}
	var samples []time.Duration
	var exited time.Time
	next := func() (flap, error) {
		select {
		case m := <-f.msgs:
			return m, nil
		case <-d.Exited():
			return flap{}, fmt.Errorf("procbench: %s exited: %s", d.Kind, d.Output())
		case <-ctx.Done():
			return flap{}, fmt.Errorf("procbench: %s: %d restarts of %d timed: %w", d.Kind, len(samples), o.samples, ctx.Err())
		}
	}
	for len(samples) < o.samples {
		m, err := next()
		if err != nil {
			return nil, err
		}
		switch m.what {
		case "exit":
			exited = m.at
		case "start":
			if !exited.IsZero() {
				samples = append(samples, m.at.Sub(exited))
			}
		}
	}
	if err := os.WriteFile(hold, nil, 0o644); err != nil {
		return nil, err
	}
	for {
		m, err := next()
		if err != nil {
			return nil, err
		}
		if m.what == "hold" {
			break
		}
	}
	if err := d.Call(ctx, "supervisor.stopProcess", []any{"flap", true}, &ok); err != nil {
		return nil, fmt.Errorf("procbench: %s: stop flap: %w", d.Kind, err)
	}
	slices.Sort(samples)
	return samples, nil
}

// window measures the daemon's CPU over o.window, its RSS at the end, and
// how fast the files logs grew, in lines.
func window(ctx context.Context, o options, d *supervisortest.Daemon, logs []string) (measure, error) {
	var m measure
	size0 := sizes(logs)
	u0, err := supervisortest.ReadUsage(d.Pid())
	if err != nil {
		return m, err
	}
	start := time.Now()
	select {
	case <-time.After(o.window):
	case <-d.Exited():
		return m, fmt.Errorf("procbench: %s exited: %s", d.Kind, d.Output())
	case <-ctx.Done():
		return m, ctx.Err()
	}
	u1, err := supervisortest.ReadUsage(d.Pid())
	if err != nil {
		return m, err
	}
	elapsed := time.Since(start)
	m.cpu = time.Duration(float64(u1.CPU-u0.CPU) * float64(o.window) / float64(elapsed))
	m.rss = u1.RSS
	m.lines = float64(sizes(logs)-size0) / float64(o.lineSize) / elapsed.Seconds()
	return m, nil
}

// sizes adds up the sizes of files.
func sizes(files []string) int64 {
	var n int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			n += st.Size()
		}
	}
	return n
}

// floor times o.samples restarts of the flap child by a bare loop on
// os/exec, start and Wait and start again: the part of a restart that is
// the child's own exec and start, which no supervisor can save.
func floor(ctx context.Context, o options, dir string, c supervisortest.Children) ([]time.Duration, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	sock := filepath.Join(dir, "flap.sock")
	f, err := listenFlaps(sock)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var samples []time.Duration
	var exited time.Time
	for len(samples) < o.samples {
		cmd := exec.CommandContext(ctx, c.Exe, supervisortest.ChildArg, c.Token, "flap", sock, o.flapFor.String())
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		for m := range f.msgs {
			if m.what == "start" && !exited.IsZero() {
				samples = append(samples, m.at.Sub(exited))
			}
			if m.what == "exit" {
				exited = m.at
				break
			}
		}
		if err := cmd.Wait(); err != nil {
			return nil, fmt.Errorf("procbench: the bare loop's child: %w", err)
		}
	}
	slices.Sort(samples)
	return samples, nil
}

// quantile returns the q-quantile of sorted samples, by nearest rank.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// report writes the results side by side.
func report(w io.Writer, o options, rs []result, bare []time.Duration) {
	host, _ := os.Hostname()
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(w, "procbench: %d programs, %d printing %d lines/s of %d bytes each; %v windows; %d restarts of a child that runs %v\n",
		o.programs, o.loud, o.rate, o.lineSize, o.window, o.samples, o.flapFor)
	fmt.Fprintf(w, "host %s, %d CPUs, load average at the end %s\n\n", host, runtime.NumCPU(), strings.Join(strings.Fields(string(load))[:3], " "))
	fmt.Fprintf(w, "%-38s", "")
	for _, r := range rs {
		fmt.Fprintf(w, " %22s", r.version)
	}
	fmt.Fprintln(w)
	row := func(name string, f func(r result) string) {
		fmt.Fprintf(w, "%-38s", name)
		for _, r := range rs {
			fmt.Fprintf(w, " %22s", f(r))
		}
		fmt.Fprintln(w)
	}
	pct := func(cpu time.Duration) string {
		return fmt.Sprintf("%.2f%%", 100*cpu.Seconds()/o.window.Seconds())
	}
	mib := func(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
	row("restart latency, median", func(r result) string { return quantile(r.restart, 0.5).Round(10 * time.Microsecond).String() })
	row("restart latency, p90", func(r result) string { return quantile(r.restart, 0.9).Round(10 * time.Microsecond).String() })
	row("restart latency, max", func(r result) string { return quantile(r.restart, 1).Round(10 * time.Microsecond).String() })
	row("idle: CPU (of one core)", func(r result) string { return pct(r.idle.cpu) })
	row("idle: RSS", func(r result) string { return mib(r.idle.rss) })
	row("logging: CPU (of one core)", func(r result) string { return pct(r.logging.cpu) })
	row("logging: RSS", func(r result) string { return mib(r.logging.rss) })
	row("logging: lines/s captured", func(r result) string { return fmt.Sprintf("%.0f", r.logging.lines) })
	fmt.Fprintf(w, "%-38s %22d\n", "logging: lines/s printed (asked)", o.loud*o.rate)
	fmt.Fprintf(w, "\nfloor: a bare os/exec loop restarts the same child in %v (median), %v (p90)\n",
		quantile(bare, 0.5).Round(10*time.Microsecond), quantile(bare, 0.9).Round(10*time.Microsecond))
}
