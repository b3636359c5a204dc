//go:build linux

package supervisortest_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/supervisortest"
)

// ctlPrograms is the configuration of TestSupervisorctl: a process in each
// state supervisorctl shows, a numprocs program and a [group:x].
func ctlPrograms(c supervisortest.Children) string {
	return `[program:sleeper]
command = ` + c.Command("sleep") + `
startsecs = 1

[program:printer]
command = ` + c.Command("print", "3") + `
startsecs = 1

[program:failer]
command = ` + c.Command("exit", "1") + `
startsecs = 5
startretries = 0

[program:idle]
command = ` + c.Command("sleep") + `
autostart = false

[program:done]
command = ` + c.Command("exit", "0") + `
startsecs = 0
autorestart = false

[program:pool]
command = ` + c.Command("sleep") + `
numprocs = 2
process_name = %(program_name)s_%(process_num)d
startsecs = 1

[program:front]
command = ` + c.Command("sleep") + `
startsecs = 1

[program:back]
command = ` + c.Command("sleep") + `
startsecs = 1

[group:web]
programs = front,back
`
}

// ctlSettled is the state of every process of ctlPrograms once it settled.
var ctlSettled = map[string]string{
	"sleeper:sleeper": "RUNNING", "printer:printer": "RUNNING", "failer:failer": "FATAL",
	"idle:idle": "STOPPED", "done:done": "EXITED", "pool:pool_0": "RUNNING", "pool:pool_1": "RUNNING",
	"web:front": "RUNNING", "web:back": "RUNNING",
}

// ctlCommands are the supervisorctl commands run, in order, against each
// daemon.
var ctlCommands = [][]string{
	{"status"},
	{"status", "sleeper"},
	{"status", "pool:*"},
	{"status", "web:front", "done"},
	{"status", "nosuch"},
	{"stop", "sleeper"},
	{"stop", "sleeper"},
	{"status", "sleeper"},
	{"start", "sleeper"},
	{"start", "sleeper"},
	{"restart", "sleeper"},
	{"stop", "pool:*"},
	{"start", "pool:*"},
	{"restart", "web:*"},
	{"stop", "idle"},
	{"start", "nosuch"},
	{"stop", "nosuch"},
	{"restart", "nosuch"},
	{"start", "failer"},
	{"tail", "printer"},
	{"tail", "printer", "stderr"},
	{"tail", "-20", "printer"},
	{"tail", "idle"},
	{"tail", "nosuch"},
	{"status"},
	{"stop", "all"},
	{"status"},
	{"start", "all"},
	{"status"},
}

// masks hide what differs from run to run: pids, uptimes, dates, and the
// daemon's directory.
var masks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`pid \d+, uptime (\d+ days?, )?\d+:\d\d:\d\d`), "pid PID, uptime UPTIME"},
	{regexp.MustCompile(`[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M`), "DATE"},
}

func mask(s, dir string) string {
	s = strings.ReplaceAll(s, dir, "DIR")
	for _, m := range masks {
		s = m.re.ReplaceAllString(s, m.with)
	}
	return s
}

// TestSupervisorctl runs Debian's supervisorctl against a running procman
// (cmd/procman, built by the test) and against supervisord, on the same
// configuration, and compares what each command prints and its exit code,
// pids, uptimes and dates masked.
func TestSupervisorctl(t *testing.T) {
	sd := supervisord(t)
	ctl := supervisortestCtl(t)
	e := newEnv(t)
	pm := buildProcman(t, e)
	var ref, got []string
	t.Run("daemons", func(t *testing.T) {
		t.Run("supervisord", func(t *testing.T) {
			t.Parallel()
			ref = ctlTranscript(t, e, supervisortest.Supervisord, sd, ctl)
		})
		t.Run("procman", func(t *testing.T) {
			t.Parallel()
			got = ctlTranscript(t, e, supervisortest.Procman, pm, ctl)
		})
	})
	if len(ref) != len(ctlCommands) || len(got) != len(ctlCommands) {
		t.Fatal("a daemon did not run every command")
	}
	for i, args := range ctlCommands {
		cmd := "supervisorctl " + strings.Join(args, " ")
		t.Logf("$ %s\n--- supervisord\n%s--- procman\n%s", cmd, ref[i], got[i])
		if !sameTranscript(args, got[i], ref[i]) {
			t.Errorf("$ %s: procman's output differs from supervisord's\n--- supervisord\n%s--- procman\n%s", cmd, ref[i], got[i])
		}
	}
}

// sameTranscript compares what a command printed on each daemon. For
// start, stop and restart, supervisord prints the result of each process
// as it finishes (make_allfunc), so the order of processes that finish
// together varies from run to run: those are compared as sets of lines.
func sameTranscript(args []string, got, ref string) bool {
	if got == ref {
		return true
	}
	switch args[0] {
	case "start", "stop", "restart":
	default:
		return false
	}
	g, r := strings.Split(got, "\n"), strings.Split(ref, "\n")
	slices.Sort(g)
	slices.Sort(r)
	return slices.Equal(g, r)
}

// supervisortestCtl returns the path of supervisorctl, which the same
// package as supervisord installs.
func supervisortestCtl(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("supervisorctl")
	if err != nil {
		t.Fatal("supervisord is installed but supervisorctl is not on PATH")
	}
	return p
}

// ctlTranscript starts the daemon, waits until its processes settled, and
// runs ctlCommands with supervisorctl, each one's output masked and
// followed by its exit code.
func ctlTranscript(t *testing.T, e env, kind supervisortest.Kind, bin, ctl string) []string {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	dir := e.dir(t, "ctl-"+string(kind)[:2])
	programs := ctlPrograms(e.childrenOf(dir))
	d, err := supervisortest.Start(ctx, kind, bin, dir, supervisortest.Config(programs))
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			d.Stop(30*time.Second, dir)
		}
	})
	if err := d.WaitStates(ctx, ctlSettled); err != nil {
		t.Fatal(err)
	}
	// The printer printed at its start; wait until both its logs hold it.
	for _, method := range []string{"supervisor.readProcessStdoutLog", "supervisor.readProcessStderrLog"} {
		if err := waitLog(ctx, d, method, "printer", "line 3\n"); err != nil {
			t.Fatal(err)
		}
	}
	var out []string
	for _, args := range ctlCommands {
		cmd := exec.CommandContext(ctx, ctl, append([]string{"-c", d.Conf}, args...)...)
		b, err := cmd.CombinedOutput()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("supervisorctl %v: %v", args, err)
		}
		out = append(out, fmt.Sprintf("%s[exit %d]\n", mask(string(b), dir), code))
	}
	stopped = true
	if err := d.Stop(30*time.Second, dir); err != nil {
		t.Errorf("%s: %v\n%s", kind, err, d.Output())
	}
	return out
}

// waitLog polls a log of process until it holds want.
func waitLog(ctx context.Context, d *supervisortest.Daemon, method, process, want string) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		var log string
		err := d.Call(ctx, method, []any{process, 0, 0}, &log)
		if err == nil && strings.Contains(log, want) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %s %s never held %q (last %q, %v)", d.Kind, method, process, want, log, err)
		case <-tick.C:
		}
	}
}
