//go:build unix

package hotrestart

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A Server is how to start one system's program.
type Server struct {
	// Name names the system in the results: "dmicro", "tableflip".
	Name string
	// Args returns the command line that starts the server in the
	// foreground in dir, listening on addr and writing its pid to
	// pidFile, and writes any file it needs into dir.
	Args func(dir, addr, pidFile string) ([]string, error)
}

// Dmicro is the lifecycle app built as bin (cmd/hotrestart-dmicro), with a
// configuration that puts its sandbox on addr; it serves through
// lifecycle.HTTPServer.
func Dmicro(bin string) Server { return dmicro("dmicro", bin, false) }

// DmicroPlain is the same app serving a bare http.Server, whose Shutdown
// alone drains it, as tableflip's example does.
func DmicroPlain(bin string) Server { return dmicro("dmicro-plain", bin, true) }

func dmicro(name, bin string, plain bool) Server {
	return Server{Name: name, Args: func(dir, addr, pidFile string) ([]string, error) {
		conf := filepath.Join(dir, "app.conf")
		text := fmt.Sprintf("[app]\nshutdown_timeout = 30s\nreload_timeout = 30s\n\n[sandbox.web]\nListenAddr = %s\n\n[web]\nplain = %t\n", addr, plain)
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			return nil, err
		}
		return []string{bin, "start", "--config", conf, "--pid", pidFile, "--log", filepath.Join(dir, "server.log")}, nil
	}}
}

// Tableflip is tableflip's http example built as bin
// (cmd/hotrestart-tableflip).
func Tableflip(bin string) Server {
	return Server{Name: "tableflip", Args: func(dir, addr, pidFile string) ([]string, error) {
		return []string{bin, "-listen", addr, "-pid-file", pidFile}, nil
	}}
}

// Options are the load and the reloads of one run.
type Options struct {
	// Clients is the number of closed-loop keep-alive clients; 0 means 32.
	Clients int
	// Reloads is the number of reloads; 0 means none.
	Reloads int
	// Path is what the clients ask for; "" means "/work".
	Path string
	// Warmup is the load before the first reload; Pause the load between
	// the end of one reload (the old process gone) and the next signal;
	// Tail the load after the last reload.
	Warmup, Pause, Tail time.Duration
	// Timeout bounds the start, each reload and the stop; 0 means 40s.
	Timeout time.Duration
	// Resend is how long a reload may take before its signal is sent
	// again; 0 means 5s.
	Resend time.Duration
}

// Reload is what one reload took.
type Reload struct {
	OldPid, NewPid int
	// Ready is the time from the signal until the pid file named the new
	// process (both programs write it just before they report ready to
	// the old one), polled every millisecond; Serving the time until the
	// end of the first response the new process served; Done the time
	// until the old process was gone.
	Ready, Serving, Done time.Duration
	// Stall is the longest time one client went without a successful
	// response, of the gaps that ended from the signal until StallMargin
	// after the old process was gone.
	Stall time.Duration
}

// Result is one run of one system.
type Result struct {
	System   string         `json:"system"`
	Clients  int            `json:"clients"`
	Duration time.Duration  `json:"duration"`
	OK       int            `json:"ok"`
	Failed   int            `json:"failed"`
	Failures map[string]int `json:"failures,omitempty"`
	// Failed lists the failures with when they happened, and Signals
	// when each reload was asked for, both since the load started.
	FailedAt []Failure       `json:"failed_at,omitempty"`
	Signals  []time.Duration `json:"signals,omitempty"`
	// Conns is the connections the clients opened: one each at the
	// start, and one for every connection a draining process closed.
	Conns int64 `json:"conns"`
	// Stall is the longest time one client went without a successful
	// response, from its first to the end of the load; Quiet the longest
	// time no client got one. BaseStall is Stall over the warm-up alone,
	// before the first reload: what the machine does without one.
	Stall     time.Duration `json:"stall"`
	Quiet     time.Duration `json:"quiet"`
	QuietEnd  time.Duration `json:"quiet_end"` // when it ended, since the load started
	BaseStall time.Duration `json:"base_stall"`
	// P50, P99 and Max are the latency of the successful responses.
	P50     time.Duration `json:"p50"`
	P99     time.Duration `json:"p99"`
	Max     time.Duration `json:"max"`
	Reloads []Reload      `json:"reloads"`
	// Resent counts the reload signals sent again (see Options.Resend).
	Resent int `json:"resent"`
}

// Run starts srv in a directory of its own on a free loopback port, runs
// opts' load against it with opts.Reloads reloads by SIGHUP to the pid in
// its pid file, stops it, and returns what the clients saw. Reloads
// follow one another: the next is signalled opts.Pause after the old
// process of the last is gone.
func Run(ctx context.Context, srv Server, opts Options) (res Result, err error) {
	if opts.Clients <= 0 {
		opts.Clients = 32
	}
	if opts.Path == "" {
		opts.Path = "/work"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 40 * time.Second
	}
	if opts.Resend <= 0 {
		opts.Resend = 5 * time.Second
	}
	becomeSubreaper()
	dir, err := os.MkdirTemp("", "hotrestart-"+srv.Name)
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	addr, err := freePort()
	if err != nil {
		return res, err
	}
	pidFile := filepath.Join(dir, "app.pid")
	args, err := srv.Args(dir, addr, pidFile)
	if err != nil {
		return res, err
	}
	logPath := filepath.Join(dir, "server.log")
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return res, err
	}
	defer logf.Close()
	defer func() {
		if err != nil {
			err = fmt.Errorf("%s: %w\n%s", srv.Name, err, tail(logPath, 20))
		}
	}()

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf // files: no copying goroutines
	if err := cmd.Start(); err != nil {
		return res, err
	}
	pid := cmd.Process.Pid
	cmd.Process.Release() // reaped by pid below, as the orphans it leaves are
	pids := []int{pid}
	defer func() {
		// Whatever is left of the run, on an error: every process
		// started, the current one last.
		for _, p := range pids {
			if !gone(p) {
				syscall.Kill(p, syscall.SIGKILL)
				waitGone(p, 5*time.Second)
			}
		}
	}()

	base := "http://" + addr
	if err := waitServing(ctx, base+"/", pidFile, pid, opts.Timeout); err != nil {
		return res, fmt.Errorf("start: %w", err)
	}

	l := startLoad(base+opts.Path, opts.Clients)
	stopped := false
	defer func() {
		if !stopped {
			l.stop()
		}
	}()
	sleep(ctx, opts.Warmup)
	type signalled struct {
		at            time.Duration
		oldPid, newID int
		ready, done   time.Duration
	}
	var sent []signalled
	for i := range opts.Reloads {
		if i > 0 {
			sleep(ctx, opts.Pause)
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		cur, err := readPid(pidFile)
		if err != nil {
			return res, err
		}
		if cur != pid {
			return res, fmt.Errorf("reload %d: the pid file names %d, not %d", i+1, cur, pid)
		}
		// A signal can be refused: tableflip's new process upgrades only
		// once it has seen its parent exit, which can lag the exit on a
		// busy machine. The signal is sent again every Resend without a
		// new process, and the reload timed from the last.
		var (
			at   time.Duration
			next int
		)
		deadline := time.Now().Add(opts.Timeout)
		for next == 0 {
			at = time.Since(l.start)
			if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
				return res, fmt.Errorf("reload %d: %w", i+1, err)
			}
			var werr error
			next, werr = waitPidChange(ctx, pidFile, pid, min(opts.Resend, time.Until(deadline)))
			switch {
			case ctx.Err() != nil:
				return res, ctx.Err()
			case werr != nil && time.Now().After(deadline):
				return res, fmt.Errorf("reload %d: %w", i+1, werr)
			case werr != nil:
				res.Resent++
			}
		}
		ready := time.Since(l.start) - at
		pids = append(pids, next)
		if !waitGone(pid, opts.Timeout) {
			return res, fmt.Errorf("reload %d: the old process %d did not exit within %v", i+1, pid, opts.Timeout)
		}
		sent = append(sent, signalled{at: at, oldPid: pid, newID: next, ready: ready, done: time.Since(l.start) - at})
		pid = next
	}
	sleep(ctx, opts.Tail)
	l.stop()
	stopped = true

	syscall.Kill(pid, syscall.SIGTERM)
	if !waitGone(pid, opts.Timeout) {
		return res, fmt.Errorf("stop: process %d did not exit within %v", pid, opts.Timeout)
	}

	resent := res.Resent
	res = l.result(srv.Name)
	res.Resent = resent
	first := l.firstSeen()
	for _, s := range sent {
		res.Signals = append(res.Signals, s.at)
	}
	ws := []window{{0, l.end}}
	if len(sent) > 0 {
		ws[0].to = sent[0].at // the warm-up
	}
	for _, s := range sent {
		ws = append(ws, window{s.at, s.at + s.done + StallMargin})
	}
	stalls := l.stalls(ws)
	res.BaseStall = stalls[0]
	for i, s := range sent {
		r := Reload{OldPid: s.oldPid, NewPid: s.newID, Ready: s.ready, Done: s.done, Serving: -1, Stall: stalls[i+1]}
		if at, ok := first[s.newID]; ok {
			r.Serving = at - s.at
		}
		if r.Serving < 0 {
			return res, fmt.Errorf("reload %d: no response from the new process %d", i+1, s.newID)
		}
		res.Reloads = append(res.Reloads, r)
	}
	return res, nil
}

// firstSeen returns when each pid first answered.
func (l *load) firstSeen() map[int]time.Duration {
	out := map[int]time.Duration{}
	for _, c := range l.clients {
		for pid, at := range c.pids {
			if old, ok := out[pid]; !ok || at < old {
				out[pid] = at
			}
		}
	}
	return out
}

// window is a stretch of the load, [from, to), since it started.
type window struct{ from, to time.Duration }

// stalls returns, for each window, the longest gap between two successful
// responses of one client that ended in it.
func (l *load) stalls(ws []window) []time.Duration {
	out := make([]time.Duration, len(ws))
	for _, c := range l.clients {
		for i := 1; i < len(c.ok); i++ {
			end := c.ok[i]
			for k, w := range ws {
				if w.from <= end && end < w.to {
					out[k] = max(out[k], end-c.ok[i-1])
				}
			}
		}
	}
	return out
}

// StallMargin is how long after the old process is gone a reload's window
// of stalls lasts: a client cut off by the drain is answered by the new
// process within it.
const StallMargin = 200 * time.Millisecond

// result sums up the clients' records.
func (l *load) result(system string) Result {
	r := Result{System: system, Clients: len(l.clients), Duration: l.end, Conns: l.conns.Load(), Failures: map[string]int{}}
	var all, lat []time.Duration
	for _, c := range l.clients {
		r.OK += len(c.ok)
		for k, n := range c.failures {
			r.Failed += n
			r.Failures[k] += n
		}
		r.FailedAt = append(r.FailedAt, c.failed...)
		for i := 1; i < len(c.ok); i++ {
			r.Stall = max(r.Stall, c.ok[i]-c.ok[i-1])
		}
		if n := len(c.ok); n > 0 {
			r.Stall = max(r.Stall, l.end-c.ok[n-1])
		}
		all = append(all, c.ok...)
		lat = append(lat, c.latency...)
	}
	slices.SortFunc(r.FailedAt, func(a, b Failure) int { return cmp.Compare(a.At, b.At) })
	slices.Sort(all)
	for i := 1; i < len(all); i++ {
		if gap := all[i] - all[i-1]; gap > r.Quiet {
			r.Quiet, r.QuietEnd = gap, all[i]
		}
	}
	if n := len(all); n > 0 && l.end-all[n-1] > r.Quiet {
		r.Quiet, r.QuietEnd = l.end-all[n-1], l.end
	}
	slices.Sort(lat)
	if n := len(lat); n > 0 {
		r.P50, r.P99, r.Max = lat[n*50/100], lat[min(n*99/100, n-1)], lat[n-1]
	}
	return r
}

// waitServing waits until url answers from pid and the pid file names it.
func waitServing(ctx context.Context, url, pidFile string, pid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for {
		got, err := get(ctx, hc, url)
		if err == nil && got == pid {
			if p, _ := readPid(pidFile); p == pid {
				return nil
			}
		}
		if gone(pid) {
			return fmt.Errorf("process %d exited", pid)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("process %d does not serve %s within %v (last: %v)", pid, url, timeout, err)
		}
		if !sleep(ctx, 10*time.Millisecond) {
			return ctx.Err()
		}
	}
}

// waitPidChange waits until the pid file names another process than old,
// polling every millisecond (both programs replace the file by a rename
// once the new process is ready).
func waitPidChange(ctx context.Context, pidFile string, old int, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	for {
		if p, err := readPid(pidFile); err == nil && p != 0 && p != old {
			return p, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("no new process within %v", timeout)
		}
		if !sleep(ctx, time.Millisecond) {
			return 0, ctx.Err()
		}
	}
}

// readPid reads a pid file; a missing file is pid 0.
func readPid(path string) (int, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// freePort returns a loopback address with a port free now: both programs
// must be told a fixed port, which is what they hand over.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// sleep waits d or until ctx ends, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
