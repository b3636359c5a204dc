//go:build unix

package lifecycle_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/lifecycle"
)

// shellLiveness bounds the waits of the shell's tests for what a process
// prints or for a process to end.
const shellLiveness = time.Minute

// shellStart starts the test app detached, and stops it when the test
// ends.
func shellStart(t *testing.T, b *testbed) {
	t.Helper()
	out, code := b.run("start", "-d")
	if code != lifecycle.ExitOK {
		t.Fatalf("start -d exited %d: %s", code, out)
	}
	t.Cleanup(func() { b.run("stop") })
}

// shellCmd returns the command that runs the app's ctl with args, on the
// testbed's configuration and pid file.
func shellCmd(t *testing.T, b *testbed, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	full := append([]string{"ctl", "--config", b.conf, "--pid", b.pid, "--log", filepath.Join(b.dir, "app.log")}, args...)
	cmd := exec.Command(exe, full...)
	// A binary built with -race sleeps a second as it exits, for reports
	// of goroutines still running: ctl's none are of interest.
	race := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
	cmd.Env = append(append(os.Environ(), envApp+"=1", "GORACE="+race), b.env...)
	return cmd
}

// shellRun runs ctl with args and stdin, and returns what it printed on
// its standard output and error, and its exit code.
func shellRun(t *testing.T, b *testbed, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := shellCmd(t, b, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

// shellOutput is a buffer that a process writes while a test waits for
// what it expects to appear.
type shellOutput struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced at each write
}

func newShellOutput() *shellOutput { return &shellOutput{changed: make(chan struct{})} }

func (o *shellOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	close(o.changed)
	o.changed = make(chan struct{})
	return o.buf.Write(p)
}

func (o *shellOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// waitFrom waits until the output from offset from on contains s, and
// returns the offset after it; false when the liveness bound passes.
func (o *shellOutput) waitFrom(from int, s string) (int, bool) {
	deadline := time.NewTimer(shellLiveness)
	defer deadline.Stop()
	for {
		o.mu.Lock()
		i, changed := strings.Index(o.buf.String()[from:], s), o.changed
		o.mu.Unlock()
		if i >= 0 {
			return from + i + len(s), true
		}
		select {
		case <-changed:
		case <-deadline.C:
			return from, false
		}
	}
}

// runningShell is ctl run with a pipe for its input, its output and
// error watched as they come.
type runningShell struct {
	t        *testing.T
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	out, err *shellOutput
	seenOut  int // the offset in out after the last expect
	seenErr  int
	exited   chan struct{}
}

func startShell(t *testing.T, b *testbed, args ...string) *runningShell {
	t.Helper()
	s := &runningShell{t: t, cmd: shellCmd(t, b, args...), out: newShellOutput(), err: newShellOutput(), exited: make(chan struct{})}
	var err error
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.err
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			s.cmd.Process.Kill()
			<-s.exited
		}
	})
	return s
}

func (s *runningShell) send(line string) {
	s.t.Helper()
	if _, err := io.WriteString(s.stdin, line+"\n"); err != nil {
		s.t.Fatalf("writing %q to ctl: %v", line, err)
	}
}

// expect waits until ctl has printed text on its output since the last
// expect, and returns what it printed since.
func (s *runningShell) expect(text string) string {
	s.t.Helper()
	end, ok := s.out.waitFrom(s.seenOut, text)
	if !ok {
		s.t.Fatalf("ctl did not print %q; it printed %q, and %q on stderr", text, s.out.String()[s.seenOut:], s.err.String())
	}
	got := s.out.String()[s.seenOut:end]
	s.seenOut = end
	return got
}

// expectErr is expect for the error output.
func (s *runningShell) expectErr(text string) {
	s.t.Helper()
	end, ok := s.err.waitFrom(s.seenErr, text)
	if !ok {
		s.t.Fatalf("ctl did not print %q on stderr; it printed %q", text, s.err.String()[s.seenErr:])
	}
	s.seenErr = end
}

// wait closes ctl's input and returns its exit code.
func (s *runningShell) wait() int {
	s.t.Helper()
	s.stdin.Close()
	select {
	case <-s.exited:
	case <-time.After(shellLiveness):
		s.t.Fatalf("ctl did not exit; it printed %q, and %q on stderr", s.out.String(), s.err.String())
	}
	return s.cmd.ProcessState.ExitCode()
}

// expectStatus waits for a whole status table, whose last row is web's,
// and returns it.
func (s *runningShell) expectStatus() string {
	s.t.Helper()
	got := s.expect("\nweb ")
	return got + s.expect("\n")
}

// interrupt sends ctl SIGINT, as Ctrl-C on its terminal does.
func (s *runningShell) interrupt() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
		s.t.Fatal(err)
	}
}

var pidRE = regexp.MustCompile(`is running: pid (\d+)`)

// statusPid returns the pid that status output shows.
func statusPid(t *testing.T, out string) int {
	t.Helper()
	m := pidRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no pid in the status %q", out)
	}
	pid, _ := strconv.Atoi(m[1])
	return pid
}

// TestShellCommands runs each command as ctl's one command.
func TestShellCommands(t *testing.T) {
	leakcheck.Check(t)
	b := newTestbed(t)
	shellStart(t, b)
	for _, tc := range []struct {
		args       []string
		code       int
		out, err   []string // what stdout and stderr must contain
		notOut     string   // what stdout must not contain
		exactOut   string   // when set, the whole stdout
		exactEmpty bool     // stdout must be empty
	}{
		{args: []string{"status"}, out: []string{"lifecycle-test is running: pid ", "SANDBOX", "math", "default", "web", "RUNNING"}},
		{args: []string{"info"}, out: []string{"is running", "RUNNING"}},
		{args: []string{"ps"}, out: []string{"is running", "RUNNING"}},
		{args: []string{"status", "math"}, code: lifecycle.ExitUsage, err: []string{"status takes no arguments"}, exactEmpty: true},
		{args: []string{"version"}, out: []string{"lifecycle-test\n", "Go version:   go", "Authors:      dmicro", "Install path: "}},
		{args: []string{"v"}, out: []string{"Go version:"}},
		{args: []string{"help"}, out: []string{"Commands:", "status, info, ps", "log [-l LEVEL]", "exit, quit", "version, v", "reload", "clear"}},
		{args: []string{"help", "stop"}, out: []string{"Usage: stop NAME", "shutdown timeout"}},
		{args: []string{"help", "v"}, out: []string{"Usage: version", "Also: v"}},
		{args: []string{"help", "nope"}, code: lifecycle.ExitUsage, err: []string{`unknown command "nope"`}},
		{args: []string{"bogus", "x"}, code: lifecycle.ExitUsage, err: []string{`unknown command "bogus"`, "help lists the commands"}, exactEmpty: true},
		{args: []string{"debug"}, out: []string{"debug logging is off"}},
		{args: []string{"debug", "on"}, exactOut: "debug logging is on\n"},
		{args: []string{"debug"}, exactOut: "debug logging is on\n"},
		{args: []string{"debug", "close"}, exactOut: "debug logging is off\n"},
		{args: []string{"debug", "1"}, exactOut: "debug logging is on\n"},
		{args: []string{"debug", "false"}, exactOut: "debug logging is off\n"},
		{args: []string{"debug", "maybe"}, code: lifecycle.ExitUsage, err: []string{`"maybe" is neither on nor off`}},
		{args: []string{"stop", "math"}, out: []string{"math", "STOPPED"}, notOut: "web"},
		{args: []string{"status"}, out: []string{"STOPPED"}},
		{args: []string{"start", "math"}, out: []string{"math", "RUNNING"}},
		{args: []string{"stop", "web"}, out: []string{"web", "STOPPED"}, notOut: "math"},
		{args: []string{"start", "web"}, out: []string{"web", "RUNNING"}},
		{args: []string{"status"}, out: []string{"RUNNING"}, notOut: "STOPPED"},
		{args: []string{"stop", "nope"}, code: lifecycle.ExitUsage, err: []string{"stop nope:", `"nope"`}},
		{args: []string{"stop"}, code: lifecycle.ExitUsage, err: []string{"usage: stop NAME"}},
		{args: []string{"start", "a", "b"}, code: lifecycle.ExitUsage, err: []string{"usage: start NAME"}},
		{args: []string{"log", "-l", "nope"}, code: lifecycle.ExitUsage, err: []string{`unknown level "nope"`}},
		{args: []string{"log", "extra"}, code: lifecycle.ExitUsage, err: []string{`unexpected argument "extra"`}},
		{args: []string{"clear"}, exactOut: "\x1b[H\x1b[2J"},
		{args: []string{"exit"}, exactEmpty: true},
	} {
		out, errOut, code := shellRun(t, b, "", tc.args...)
		bad := code != tc.code ||
			tc.exactOut != "" && out != tc.exactOut ||
			tc.exactEmpty && out != "" ||
			tc.notOut != "" && strings.Contains(out, tc.notOut)
		for _, s := range tc.out {
			bad = bad || !strings.Contains(out, s)
		}
		for _, s := range tc.err {
			bad = bad || !strings.Contains(errOut, s)
		}
		if bad {
			t.Errorf("ctl %s exited %d (want %d) and printed\n%s%q on stderr", strings.Join(tc.args, " "), code, tc.code, out, errOut)
		}
	}
}

// TestShellNotRunning runs ctl without an app: the commands that need
// it exit 3 and name the control socket; help needs none.
func TestShellNotRunning(t *testing.T) {
	leakcheck.Check(t)
	b := newTestbed(t)
	sock := strings.TrimSuffix(b.pid, ".pid") + ".sock"
	for _, tc := range []struct {
		stdin string
		args  []string
	}{
		{"", []string{"status"}},
		{"", []string{"reload"}},
		{"", []string{"stop", "math"}},
		{"", []string{"log"}},
		{"status\n", nil},
		{"help\nversion\n", nil},
	} {
		out, errOut, code := shellRun(t, b, tc.stdin, tc.args...)
		want := "lifecycle-test is not running (no answer on " + sock + ")\n"
		if code != lifecycle.ExitNotRunning || errOut != want {
			t.Errorf("ctl %q with input %q exited %d and printed %q, %q on stderr; want 3 and %q", tc.args, tc.stdin, code, out, errOut, want)
		}
	}
	out, errOut, code := shellRun(t, b, "", "help")
	if code != lifecycle.ExitOK || !strings.Contains(out, "Commands:") {
		t.Errorf("ctl help without an app exited %d and printed %q, %q", code, out, errOut)
	}
}

// TestShellPipe feeds the shell its commands on a pipe: no banner, no
// prompt; an unknown command does not end it; it exits at the end of the
// input, or at exit, with the code of the last command.
func TestShellPipe(t *testing.T) {
	leakcheck.Check(t)
	b := newTestbed(t)
	shellStart(t, b)
	out, errOut, code := shellRun(t, b, "status\nbogus\n\n# a comment\n  version  \nstop math\nstatus\nstart math\n")
	if code != lifecycle.ExitOK {
		t.Errorf("the shell exited %d; want 0", code)
	}
	if !strings.HasPrefix(out, "lifecycle-test is running: pid ") || strings.Contains(out, "»") {
		t.Errorf("the shell's output does not start with the status, or has a prompt:\n%s", out)
	}
	for _, want := range []string{"SANDBOX", "Go version:", "math  STOPPED\n", "default  STOPPED", "math  RUNNING\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("the shell's output lacks %q:\n%s", want, out)
		}
	}
	if want := "lifecycle-test: unknown command \"bogus\" (help lists the commands)\n"; errOut != want {
		t.Errorf("the shell printed %q on stderr; want %q", errOut, want)
	}
	for _, tc := range []struct {
		stdin string
		code  int
	}{
		{"status\nbogus\n", lifecycle.ExitUsage},
		{"bogus\nstatus", lifecycle.ExitOK}, // a last line without a newline runs too
		{"debug maybe\nexit\nstatus\n", lifecycle.ExitUsage},
		{"", lifecycle.ExitOK},
	} {
		out, errOut, code := shellRun(t, b, tc.stdin)
		if code != tc.code {
			t.Errorf("the shell with input %q exited %d and printed %q, %q on stderr; want %d", tc.stdin, code, out, errOut, tc.code)
		}
		if strings.HasPrefix(tc.stdin, "debug maybe\nexit") && out != "" {
			t.Errorf("the shell ran commands after exit: %q", out)
		}
	}
}

// TestShellReload reloads the app from the shell, then from another
// client: either way the shell's next command reaches the new process.
func TestShellReload(t *testing.T) {
	leakcheck.Check(t)
	b := newTestbed(t)
	shellStart(t, b)
	s := startShell(t, b)
	s.send("status")
	first := statusPid(t, s.expectStatus())
	s.send("reload")
	got := s.expect("\n")
	m := regexp.MustCompile(`^lifecycle-test reloaded: pid (\d+) → (\d+)\n$`).FindStringSubmatch(got)
	if m == nil || m[1] != strconv.Itoa(first) {
		t.Fatalf("reload printed %q; want lifecycle-test reloaded: pid %d → NEW", got, first)
	}
	second, _ := strconv.Atoi(m[2])
	s.send("status")
	if pid := statusPid(t, s.expectStatus()); pid != second {
		t.Errorf("after the reload status shows pid %d; want %d", pid, second)
	}

	// Another client reloads: the old process tells the shell it goes
	// away once it has drained, and the shell moves to the new one.
	out, code := b.run("reload")
	m = regexp.MustCompile(`pid (\d+) → (\d+)`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("reload exited %d: %s", code, out)
	}
	third, _ := strconv.Atoi(m[2])
	shellWaitGone(t, second)
	s.send("status")
	if pid := statusPid(t, s.expectStatus()); pid != third {
		t.Errorf("after the reload by another client status shows pid %d; want %d", pid, third)
	}
	if code := s.wait(); code != lifecycle.ExitOK || s.err.String() != "" {
		t.Errorf("the shell exited %d and printed %q on stderr", code, s.err.String())
	}

	// One command.
	out, errOut, code := shellRun(t, b, "", "reload")
	if code != lifecycle.ExitOK || !strings.HasPrefix(out, "lifecycle-test reloaded: pid "+strconv.Itoa(third)+" → ") {
		t.Errorf("ctl reload exited %d and printed %q, %q on stderr", code, out, errOut)
	}

	// A reload that fails says why; the app keeps serving. The app's
	// configuration does not load, ctl's (a copy) does.
	m = regexp.MustCompile(`→ (\d+)`).FindStringSubmatch(out)
	good, err := os.ReadFile(b.conf)
	if err != nil {
		t.Fatal(err)
	}
	ctlConf := filepath.Join(b.dir, "ctl.conf")
	if err := os.WriteFile(ctlConf, good, 0o644); err != nil {
		t.Fatal(err)
	}
	b.writeConf("[broken\n")
	out, errOut, code = shellRun(t, b, "reload\nstatus\n", "--config", ctlConf)
	want := "lifecycle-test: reload failed; pid " + m[1] + " keeps serving: "
	if code != lifecycle.ExitOK || !strings.HasPrefix(errOut, want) || !strings.Contains(out, "is running: pid "+m[1]+",") {
		t.Errorf("reload with a broken configuration, then status, exited %d and printed\n%s%q on stderr; want %q and the same pid", code, out, errOut, want)
	}
	b.writeConf("")
}

// shellWaitGone waits until the process pid has exited: it is not this
// test's child, so it is polled.
func shellWaitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(shellLiveness)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d did not exit", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestShellLog follows the app's log in the shell: a line the app logs
// (debug on logs one) is printed; Ctrl-C (SIGINT) ends the follow and
// not the shell.
func TestShellLog(t *testing.T) {
	leakcheck.Check(t)
	b := newTestbed(t)
	shellStart(t, b)
	s := startShell(t, b)
	s.send("log")
	s.expectErr("following the log of pid ")
	s.expectErr("at level debug and above; Ctrl-C ends it\n")
	if out, code := b.run("ctl", "debug", "on"); code != 0 {
		t.Fatalf("ctl debug on exited %d: %s", code, out)
	}
	line := s.expect("\n")
	if !strings.Contains(line, "level=INFO") || !strings.Contains(line, `msg="lifecycle: debug logging"`) || !strings.Contains(line, "on=true") {
		t.Errorf("log printed %q; want the line debug on logs", line)
	}
	s.interrupt()
	s.send("debug")
	if got := s.expect("debug logging is on\n"); got != "debug logging is on\n" {
		t.Errorf("after Ctrl-C the shell printed %q before the answer of debug", got)
	}
	if code := s.wait(); code != lifecycle.ExitOK {
		t.Errorf("the shell exited %d; stderr: %q", code, s.err.String())
	}

	// One command, which reads no input (it may run in the background),
	// ended by SIGINT; at level warn it does not print the info line of
	// debug off.
	s = startShell(t, b, "log", "-l", "warn")
	s.stdin.Close()
	s.expectErr("at level warn and above")
	b.run("ctl", "debug", "off")
	s.interrupt()
	if code := s.wait(); code != lifecycle.ExitOK || s.out.String() != "" {
		t.Errorf("ctl log -l warn exited %d and printed %q; stderr: %q", code, s.out.String(), s.err.String())
	}

	// The follow ends when the app's process goes away.
	s = startShell(t, b, "log", "-l", "info")
	s.expectErr("at level info and above")
	if out, code := b.run("reload"); code != 0 {
		t.Fatalf("reload exited %d: %s", code, out)
	}
	s.expect("lifecycle: reloading")
	s.expectErr("went away (a reload or a stop); the follow ended\n")
	select {
	case <-s.exited:
	case <-time.After(shellLiveness):
		t.Fatalf("ctl log did not end when the app reloaded; stderr: %q", s.err.String())
	}
	if code := s.cmd.ProcessState.ExitCode(); code != lifecycle.ExitOK {
		t.Errorf("ctl log exited %d after the reload", code)
	}
}
