//go:build unix

package procman_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/procman"
)

// grandchild reads the pid the daemon helper printed in log.
func grandchild(t *testing.T, s *procman.Supervisor, ev *events, name string) int {
	t.Helper()
	var pid int
	ev.waitFor(t, "the daemon's grandchild pid", func() bool {
		b, _ := s.ReadLog(name, procman.Stdout, 0, 0)
		m := regexp.MustCompile(`grandchild (\d+)`).FindSubmatch(b)
		if m != nil {
			pid, _ = strconv.Atoi(string(m[1]))
		}
		return pid > 0
	})
	return pid
}

// TestDaemonGrandchildIsKilled: a child that forks a daemon (setsid: it
// leaves the process group) has the daemon killed too, when it is stopped
// and when it exits by itself.
func TestDaemonGrandchildIsKilled(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("descendants that leave the process group are tracked on Linux only")
	}
	s, ev := newSup(t)
	dir := t.TempDir()

	t.Run("on stop", func(t *testing.T) {
		p := helper("daemon", "daemon")
		p.Stdout = procman.Log{File: filepath.Join(dir, "daemon.log")}
		must(t, s.Add(p))
		gc := grandchild(t, s, ev, "daemon")
		if !alive(gc) {
			t.Fatalf("the grandchild %d is not running", gc)
		}
		must(t, s.Stop(testCtx(t), "daemon", true))
		ev.waitFor(t, "the grandchild to be killed", func() bool { return !alive(gc) })
	})
	t.Run("on exit", func(t *testing.T) {
		p := helper("daemon-exit", "daemon-exit")
		p.StartPeriod = -1
		p.AutoRestart = procman.RestartNever
		p.Stdout = procman.Log{File: filepath.Join(dir, "daemon-exit.log")}
		p.StopWait = 500 * time.Millisecond
		must(t, s.Add(p))
		gc := grandchild(t, s, ev, "daemon-exit")
		ev.waitState(t, "daemon-exit:daemon-exit", exited)
		ev.waitFor(t, "the grandchild of an exited child to be killed", func() bool { return !alive(gc) })
	})
}

// TestOutputFloodIsCountedAndRotated: a child printing lines as fast as
// it can loses none of them, none is split across files, the log keeps
// exactly its backups, and every line reaches the Logger.
func TestOutputFloodIsCountedAndRotated(t *testing.T) {
	const lines, size = 30000, 100
	s, ev := newSup(t)
	dir := t.TempDir()
	var forwarded atomic.Int64
	p := helper("flood", fmt.Sprintf("print %d %d", lines, size))
	p.Stdout = procman.Log{File: filepath.Join(dir, "flood.log"), MaxBytes: 512 << 10, Backups: 5}
	p.Logger = slog.New(countHandler{&forwarded})
	must(t, s.Add(p))
	ev.waitFor(t, "every line to reach the logger", func() bool { return forwarded.Load() >= lines })
	files, _ := filepath.Glob(filepath.Join(dir, "flood.log*"))
	slices.Sort(files)
	if len(files) != 6 {
		t.Fatalf("%d log files %v, want the log and 5 backups", len(files), files)
	}
	seen := make([]bool, lines)
	for _, f := range files {
		fh, err := os.Open(f)
		must(t, err)
		defer fh.Close()
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			var n int
			if _, err := fmt.Sscanf(sc.Text(), "line %d", &n); err != nil || len(sc.Text()) != size-1 {
				t.Fatalf("%s: a split or garbled line %q", f, sc.Text())
			}
			seen[n] = true
		}
	}
	// 6 files of 512 KiB hold the 3 MB: every line is there.
	for i, ok := range seen {
		if !ok {
			t.Fatalf("line %d is in no file", i)
		}
	}
	if n := forwarded.Load(); n != lines {
		t.Fatalf("%d lines forwarded, want %d", n, lines)
	}
}

// countHandler counts the records it is given.
type countHandler struct{ n *atomic.Int64 }

func (h countHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (h countHandler) Handle(context.Context, slog.Record) error { h.n.Add(1); return nil }
func (h countHandler) WithAttrs([]slog.Attr) slog.Handler        { return h }
func (h countHandler) WithGroup(string) slog.Handler             { return h }

func TestLogDirectoryNotWritable(t *testing.T) {
	s, _ := newSup(t)
	p := helper("nolog", "sleep")
	p.Stdout = procman.Log{File: "/nonexistent/dir/out.log"}
	err := s.Add(p)
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/dir") {
		t.Fatalf("Add with a log in a missing directory: %v, want an error naming it", err)
	}
	if _, err := s.Info("nolog"); !errors.Is(err, procman.ErrBadName) {
		t.Fatalf("the program was added anyway: %v", err)
	}
}

func TestEnvDirUmask(t *testing.T) {
	s, ev := newSup(t)
	dir := t.TempDir()
	run := func(name, mode string, edit func(*procman.Program)) string {
		p := helper(name, mode)
		p.Stdout = procman.Log{File: filepath.Join(dir, name+".log")}
		edit(&p)
		must(t, s.Add(p))
		var out string
		ev.waitFor(t, name+"'s output", func() bool {
			b, _ := s.ReadLog(name, procman.Stdout, 0, 0)
			out = strings.TrimSpace(string(b))
			return out != ""
		})
		return out
	}
	if got := run("env", "env GREETING", func(p *procman.Program) { p.Env = append(p.Env, "GREETING=hello") }); got != "GREETING=hello" {
		t.Errorf("env: %q", got)
	}
	if got := run("name", "env SUPERVISOR_PROCESS_NAME", func(*procman.Program) {}); got != "SUPERVISOR_PROCESS_NAME=name" {
		t.Errorf("SUPERVISOR_PROCESS_NAME: %q", got)
	}
	if got := run("clean", "env HOME", func(p *procman.Program) { p.CleanEnv = true }); got != "HOME=" {
		t.Errorf("a clean environment passes %q", got)
	}
	if got := run("pwd", "pwd", func(p *procman.Program) { p.Dir = dir }); got != "pwd "+dir {
		t.Errorf("dir: %q", got)
	}
	if got := run("umask", "umask", func(p *procman.Program) { m := 0o027; p.Umask = &m }); got != "umask 0027" {
		t.Errorf("umask: %q", got)
	}
}

func TestUser(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("switching users needs root")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	s, ev := newSup(t)
	bin := filepath.Join(t.TempDir(), "helper")
	copyFile(t, os.Args[0], bin) // nobody may not reach the test binary's directory
	for d := filepath.Dir(bin); d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	p := helper("asnobody", "sleep")
	p.Command = bin
	p.User = "nobody"
	p.Env = append(p.Env, pidsEnv+"=") // nobody cannot write the pids file
	must(t, s.Add(p))
	ev.waitState(t, "asnobody:asnobody", running)
	info, _ := s.Info("asnobody")
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", info.Pid))
	must(t, err)
	if !regexp.MustCompile(`(?m)^Uid:\s+` + nobody.Uid + `\b`).Match(st) {
		t.Fatalf("the child does not run as nobody (%s):\n%s", nobody.Uid, st)
	}
}

func copyFile(t *testing.T, from, to string) {
	b, err := os.ReadFile(from)
	must(t, err)
	must(t, os.WriteFile(to, b, 0o755))
}

// TestUpdateTouchesOnlyWhatChanged: Update replaces a changed program,
// adds a new one, removes a gone one, and leaves the others running.
func TestUpdateTouchesOnlyWhatChanged(t *testing.T) {
	s, ev := newSup(t)
	a, b, c := helper("a", "sleep"), helper("b", "sleep"), helper("c", "sleep")
	ctx := testCtx(t)
	ch, err := s.Update(ctx, []procman.Program{a, b, c})
	must(t, err)
	if !slices.Equal(ch.Added, []string{"a", "b", "c"}) {
		t.Fatalf("first update: %+v", ch)
	}
	for _, n := range []string{"a", "b", "c"} {
		ev.waitState(t, n+":"+n, running)
	}
	pid := func(n string) int { i, _ := s.Info(n); return i.Pid }
	pa, pb := pid("a"), pid("b")
	b.Args = []string{"changed"}
	d := helper("d", "sleep")
	if diff := s.Diff([]procman.Program{a, b, d}); !slices.Equal(diff.Changed, []string{"b"}) || !slices.Equal(diff.Added, []string{"d"}) || !slices.Equal(diff.Removed, []string{"c"}) {
		t.Fatalf("Diff: %+v", diff)
	}
	ch, err = s.Update(ctx, []procman.Program{a, b, d})
	must(t, err)
	if !slices.Equal(ch.Changed, []string{"b"}) || !slices.Equal(ch.Added, []string{"d"}) || !slices.Equal(ch.Removed, []string{"c"}) {
		t.Fatalf("second update: %+v", ch)
	}
	ev.waitFor(t, "b and d to run", func() bool {
		ib, _ := s.Info("b")
		id, _ := s.Info("d")
		return ib.State == running && ib.Pid != pb && id.State == running
	})
	if pid("a") != pa {
		t.Fatal("an unchanged program was restarted")
	}
	if _, err := s.Info("c"); !errors.Is(err, procman.ErrBadName) {
		t.Fatalf("the removed program is still there: %v", err)
	}
}

// TestPriorityOrder: StartAll starts lower priorities first; StopAll stops
// higher priorities first, each level before the next.
func TestPriorityOrder(t *testing.T) {
	s, ev := newSup(t)
	for i, name := range []string{"db", "app", "web"} {
		p := helper(name, "sleep")
		p.AutoStart = false
		p.Priority = (i + 1) * 10
		must(t, s.Add(p))
	}
	ctx := testCtx(t)
	must(t, s.StartAll(ctx, true))
	must(t, s.StopAll(ctx))
	ev.waitFor(t, "every program to stop", func() bool {
		for _, n := range []string{"db", "app", "web"} {
			if !slices.Contains(ev.states(n+":"+n), stopped) {
				return false
			}
		}
		return true
	})
	at := func(name string, st procman.State) time.Time {
		for _, e := range ev.of(name + ":" + name) {
			if e.State == st {
				return e.Time
			}
		}
		t.Fatalf("%s never %v", name, st)
		return time.Time{}
	}
	if !at("db", starting).Before(at("app", starting)) || !at("app", starting).Before(at("web", starting)) {
		t.Error("not started in priority order")
	}
	if !at("web", stopped).Before(at("app", stopping)) || !at("app", stopped).Before(at("db", stopping)) {
		t.Error("not stopped in reverse priority order, level by level")
	}
}

func TestSignalAndRestart(t *testing.T) {
	s, ev := newSup(t)
	p := helper("sig", "sleep")
	p.AutoRestart = procman.RestartNever
	must(t, s.Add(p))
	ev.waitState(t, "sig:sig", running)
	ctx := testCtx(t)
	old, _ := s.Info("sig")
	must(t, s.Restart(ctx, "sig"))
	now, _ := s.Info("sig")
	if now.State != running || now.Pid == old.Pid {
		t.Fatalf("after Restart: %+v (was pid %d)", now, old.Pid)
	}
	must(t, s.Signal("sig", syscall.SIGHUP)) // it ends a Go program that does not handle it
	ev.waitFor(t, "the signalled child to exit", func() bool {
		i, _ := s.Info("sig")
		return i.State == exited
	})
	if err := s.Signal("sig", syscall.SIGHUP); !errors.Is(err, procman.ErrNotRunning) {
		t.Fatalf("signal to an exited process: %v", err)
	}
	if err := s.Stop(ctx, "sig", true); !errors.Is(err, procman.ErrNotRunning) {
		t.Fatalf("stop of an exited process: %v", err)
	}
	if err := s.Start(ctx, "nosuch", true); !errors.Is(err, procman.ErrBadName) {
		t.Fatalf("start of an unknown name: %v", err)
	}
}

// TestNumProcsAndGroups: numprocs makes named processes of one group,
// addressed one by one or together.
func TestNumProcsAndGroups(t *testing.T) {
	s, ev := newSup(t)
	p := helper("worker", "sleep")
	p.NumProcs = 3
	p.ProcessName = "%(program_name)s_%(process_num)02d"
	must(t, s.Add(p))
	for _, n := range []string{"worker_00", "worker_01", "worker_02"} {
		ev.waitState(t, "worker:"+n, running)
	}
	ctx := testCtx(t)
	must(t, s.Stop(ctx, "worker:worker_01", true))
	if i, _ := s.Info("worker:worker_01"); i.State != stopped {
		t.Fatalf("worker_01: %v", i.State)
	}
	if err := s.Stop(ctx, "worker:*", false); !errors.Is(err, procman.ErrNotRunning) || strings.Contains(err.Error(), "worker_00") {
		t.Fatalf("stopping a group with one member stopped: %v, want ErrNotRunning for that one only", err)
	}
	ev.waitFor(t, "the group to stop", func() bool {
		for _, i := range s.Infos() {
			if i.State != stopped {
				return false
			}
		}
		return true
	})
	names := []string{}
	for _, i := range s.Infos() {
		names = append(names, i.FullName)
	}
	if !slices.Equal(names, []string{"worker:worker_00", "worker:worker_01", "worker:worker_02"}) {
		t.Fatalf("Infos: %v", names)
	}
}

// TestShutdownStopsEverything: Shutdown stops every child, even one that
// ignores SIGTERM, and the supervisor takes no new work after.
func TestShutdownStopsEverything(t *testing.T) {
	s, ev := newSup(t)
	p := helper("stubborn", "ignore-term")
	p.StopWait = 200 * time.Millisecond
	must(t, s.Add(p))
	must(t, s.Add(helper("plain", "sleep")))
	ev.waitState(t, "stubborn:stubborn", running)
	ev.waitState(t, "plain:plain", running)
	pids := []int{}
	for _, i := range s.Infos() {
		pids = append(pids, i.Pid)
	}
	must(t, s.Shutdown(testCtx(t)))
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("pid %d survived Shutdown", pid)
		}
	}
	if err := s.Add(helper("late", "sleep")); !errors.Is(err, procman.ErrShutdown) {
		t.Fatalf("Add after Shutdown: %v", err)
	}
}

// TestSlowSubscriberDoesNotBlock: a subscriber that never reads does not
// hold the supervisor back.
func TestSlowSubscriberDoesNotBlock(t *testing.T) {
	s, ev := newSup(t)
	_, cancel := s.Subscribe() // never read
	defer cancel()
	p := helper("crash", "exit 1")
	p.StartPeriod = 2 * time.Second
	p.StartRetries = 20
	p.Backoff = procman.Backoff{Min: time.Millisecond, Linear: true, Max: time.Millisecond}
	must(t, s.Add(p))
	ev.waitState(t, "crash:crash", fatal)
}

// TestStopInEveryState: a stop during STARTING goes through STOPPING to
// STOPPED; one during BACKOFF goes to STOPPED at once and ends the
// retries; one of an EXITED process waiting to be restarted cancels the
// restart.
func TestStopInEveryState(t *testing.T) {
	s, ev := newSup(t)
	ctx := testCtx(t)

	starting := helper("starting", "sleep")
	starting.StartPeriod = time.Hour // it stays STARTING
	must(t, s.Add(starting))
	ev.waitState(t, "starting:starting", procman.StateStarting)
	must(t, s.Stop(ctx, "starting", true))
	got := ev.waitState(t, "starting:starting", stopped)
	wantStates(t, got, procman.StateStarting, stopping, stopped)

	crash := helper("backoff", "exit 1")
	crash.StartPeriod = time.Hour
	crash.StartRetries = 100
	crash.Backoff = procman.Backoff{Min: time.Hour, Linear: true} // it waits in BACKOFF
	must(t, s.Add(crash))
	ev.waitState(t, "backoff:backoff", backoff)
	must(t, s.Stop(ctx, "backoff", true))
	got = ev.waitState(t, "backoff:backoff", stopped)
	wantStates(t, got, procman.StateStarting, backoff, stopped)

	loop := helper("exited", "exit-after 300ms 1")
	loop.AutoRestart = procman.RestartAlways
	loop.Backoff = procman.Backoff{Min: time.Hour, ResetAfter: time.Hour} // the second restart waits
	must(t, s.Add(loop))
	ev.waitFor(t, "the second exit", func() bool {
		n := 0
		for _, st := range ev.states("exited:exited") {
			if st == exited {
				n++
			}
		}
		return n == 2
	})
	must(t, s.Stop(ctx, "exited", true))
	if i, _ := s.Info("exited"); i.State != exited {
		t.Fatalf("state %v after the stop of a process waiting to restart", i.State)
	}
	if err := s.Stop(ctx, "exited", true); !errors.Is(err, procman.ErrNotRunning) {
		t.Fatalf("a second stop: %v", err)
	}
}
