//go:build unix

package procman_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/procman"
)

// testTimeout bounds every wait of a test; it is no timing assertion: on
// a slow machine a test only takes longer.
const testTimeout = 60 * time.Second

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// logBuf collects a supervisor's log.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newSup makes a supervisor that is shut down, and checked for leaked
// goroutines and fds, when the test ends.
func newSup(t *testing.T) (*procman.Supervisor, *events) {
	t.Helper()
	leakcheck.Check(t)
	lb := &logBuf{}
	s, err := procman.New(procman.Config{Logger: slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	ev := record(s)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if t.Failed() {
			t.Logf("supervisor log:\n%s", lb.String())
		}
	})
	return s, ev
}

// helper returns a program that runs the test binary in a helper mode.
func helper(name, mode string) procman.Program {
	return procman.Program{
		Name:        name,
		Command:     os.Args[0],
		Env:         helperEnvFor(mode),
		AutoStart:   true,
		StartPeriod: 200 * time.Millisecond,
		StopWait:    5 * time.Second,
		Backoff:     procman.Backoff{Min: 10 * time.Millisecond, Linear: true},
	}
}

// events records every state change of a supervisor.
type events struct {
	mu   sync.Mutex
	list []procman.Event
	wake chan struct{}
}

func record(s *procman.Supervisor) *events {
	e := &events{wake: make(chan struct{}, 1)}
	ch, _ := s.Subscribe()
	go func() {
		for ev := range ch {
			e.mu.Lock()
			e.list = append(e.list, ev)
			e.mu.Unlock()
			select {
			case e.wake <- struct{}{}:
			default:
			}
		}
	}()
	return e
}

// of returns the events of process full so far.
func (e *events) of(full string) []procman.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []procman.Event
	for _, ev := range e.list {
		if ev.Process == full {
			out = append(out, ev)
		}
	}
	return out
}

// states returns the states process full went through, in order.
func (e *events) states(full string) []procman.State {
	var out []procman.State
	for _, ev := range e.of(full) {
		out = append(out, ev.State)
	}
	return out
}

// waitFor waits until cond holds, or fails the test.
func (e *events) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(testTimeout)
	for !cond() {
		select {
		case <-e.wake:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// waitState waits until process full has reached state, and returns its
// states so far.
func (e *events) waitState(t *testing.T, full string, state procman.State) []procman.State {
	t.Helper()
	e.waitFor(t, full+" to be "+state.String(), func() bool { return slices.Contains(e.states(full), state) })
	return e.states(full)
}

func wantStates(t *testing.T, got []procman.State, want ...procman.State) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("states\n got %v\nwant %v", got, want)
	}
}

const (
	stopped  = procman.StateStopped
	starting = procman.StateStarting
	running  = procman.StateRunning
	backoff  = procman.StateBackoff
	stopping = procman.StateStopping
	exited   = procman.StateExited
	fatal    = procman.StateFatal
)

func TestNormalExit(t *testing.T) {
	s, ev := newSup(t)
	must(t, s.Add(helper("ok", "exit-after 600ms 0")))
	got := ev.waitState(t, "ok:ok", exited)
	wantStates(t, got, starting, running, exited)
	last := ev.of("ok:ok")[2]
	if last.ExitCode != 0 || !last.Expected || last.Pid == 0 {
		t.Fatalf("the exit event: %+v", last)
	}
	info, err := s.Info("ok")
	must(t, err)
	if info.State != exited || info.Pid != 0 || info.ExitStatus != 0 {
		t.Fatalf("info after the exit: %+v", info)
	}
}

func TestCrashLoopEndsFatal(t *testing.T) {
	s, ev := newSup(t)
	p := helper("crash", "exit 3")
	p.StartPeriod = 2 * time.Second // the child exits long before
	must(t, s.Add(p))
	got := ev.waitState(t, "crash:crash", fatal)
	// supervisord's sequence for startretries 3: four starts, each failing.
	wantStates(t, got, starting, backoff, starting, backoff, starting, backoff, starting, backoff, fatal)
	info, _ := s.Info("crash")
	if !strings.Contains(info.Description, "Exited too quickly") {
		t.Fatalf("description %q", info.Description)
	}
}

func TestExponentialBackoffRecovers(t *testing.T) {
	s, ev := newSup(t)
	p := helper("crash", "exit 3")
	p.StartPeriod = 2 * time.Second
	p.StartRetries = 2
	p.Backoff = procman.Backoff{Min: 20 * time.Millisecond, Multiplier: 2, Jitter: -1}
	must(t, s.Add(p))
	got := ev.waitState(t, "crash:crash", fatal)
	wantStates(t, got, starting, backoff, starting, backoff, starting, backoff, fatal)
	// The waits grew: each start came later after its failure than the last.
	es := ev.of("crash:crash")
	gap1 := es[2].Time.Sub(es[1].Time)
	gap2 := es[4].Time.Sub(es[3].Time)
	if gap1 < 20*time.Millisecond || gap2 < 40*time.Millisecond {
		t.Fatalf("back-off waits %v, %v: want at least 20ms and 40ms", gap1, gap2)
	}
	// A start by hand after FATAL starts the count over.
	err := s.Start(testCtx(t), "crash", true)
	if !errors.Is(err, procman.ErrSpawn) {
		t.Fatalf("a start that fails: %v, want ErrSpawn", err)
	}
}

func TestMissingCommand(t *testing.T) {
	s, ev := newSup(t)
	p := helper("nocmd", "sleep")
	p.Command = "/nonexistent/procman-test"
	must(t, s.Add(p))
	got := ev.waitState(t, "nocmd:nocmd", fatal)
	wantStates(t, got, starting, backoff, starting, backoff, starting, backoff, starting, backoff, fatal)
	info, _ := s.Info("nocmd")
	if !strings.Contains(info.SpawnErr, "nonexistent") {
		t.Fatalf("spawn error %q does not name the command", info.SpawnErr)
	}
	if err := s.Start(testCtx(t), "nocmd", true); !errors.Is(err, procman.ErrNoFile) {
		t.Fatalf("start: %v, want ErrNoFile", err)
	}
}

func TestStopKillsAChildThatIgnoresTERM(t *testing.T) {
	s, ev := newSup(t)
	dir := t.TempDir()
	p := helper("stubborn", "ignore-term")
	p.StopWait = 300 * time.Millisecond
	p.Stdout = procman.Log{File: dir + "/out.log"}
	must(t, s.Add(p))
	ev.waitState(t, "stubborn:stubborn", running)
	ev.waitFor(t, "the child to ignore SIGTERM", func() bool {
		b, _ := s.ReadLog("stubborn", procman.Stdout, 0, 0)
		return strings.Contains(string(b), "ignoring SIGTERM")
	})
	must(t, s.Stop(testCtx(t), "stubborn", true))
	got := ev.waitState(t, "stubborn:stubborn", stopped)
	wantStates(t, got, starting, running, stopping, stopped)
	last := ev.of("stubborn:stubborn")[3]
	if last.Signal.String() != "killed" {
		t.Fatalf("the child ended by %v, want SIGKILL", last.Signal)
	}
}

func TestAutorestartUnexpected(t *testing.T) {
	s, ev := newSup(t)
	expected := helper("expected", "exit-after 400ms 2")
	expected.ExitCodes = []int{0, 2}
	must(t, s.Add(expected))
	unexpected := helper("unexpected", "exit-after 400ms 3")
	unexpected.ExitCodes = []int{0, 2}
	must(t, s.Add(unexpected))
	got := ev.waitState(t, "expected:expected", exited)
	wantStates(t, got, starting, running, exited)
	ev.waitFor(t, "the unexpected exit to be restarted", func() bool {
		return len(ev.states("unexpected:unexpected")) >= 4
	})
	got = ev.states("unexpected:unexpected")[:4]
	wantStates(t, got, starting, running, exited, starting)
	if e := ev.of("unexpected:unexpected")[2]; e.Expected || e.ExitCode != 3 {
		t.Fatalf("the unexpected exit: %+v", e)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
