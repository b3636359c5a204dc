//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/testenv"
	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// helperEnv marks the test binary re-executed as procman (the daemon, or
// procman ctl) or as a program the daemon runs.
const helperEnv = "PROCMAN_CTL_TEST_HELPER"

// liveness bounds the waits of the tests for a process to start, print
// or exit: a hung test fails instead of hanging. It is not a timing
// assertion.
const liveness = 2 * time.Minute

// TestHelperProcess is not a test. Re-executed with helperEnv set, the
// test binary runs the arguments after "--": "hup" is a program that
// prints "ready", then "hup N" at the N-th SIGHUP; anything else is
// procman's command line.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		return
	}
	args := os.Args[slices.Index(os.Args, "--")+1:]
	if len(args) > 0 && args[0] == "hup" {
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGHUP)
		fmt.Println("ready")
		for n := 1; ; n++ {
			<-sigs
			fmt.Printf("hup %d\n", n)
		}
	}
	os.Args = append([]string{"procman"}, args...)
	main()
	os.Exit(0)
}

// helperCommand returns the command that runs the test binary as
// TestHelperProcess does with args.
func helperCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestHelperProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	return cmd
}

// hupCommand is the command= line of the hup program.
func hupCommand() string {
	return "'" + os.Args[0] + "' '-test.run=^TestHelperProcess$' -- hup"
}

// output is a buffer that a process writes while a test waits for what it
// expects to appear.
type output struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced at each write
}

func newOutput() *output { return &output{changed: make(chan struct{})} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	close(o.changed)
	o.changed = make(chan struct{})
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// waitFor waits until the output contains s, and reports false if done is
// closed first or the liveness bound passes.
func (o *output) waitFor(s string, done <-chan struct{}) bool {
	_, ok := o.waitFrom(0, s, done)
	return ok
}

// waitFrom waits until the output from offset from on contains s, and
// returns the offset after it.
func (o *output) waitFrom(from int, s string, done <-chan struct{}) (int, bool) {
	deadline := time.After(liveness)
	for {
		o.mu.Lock()
		i, changed := strings.Index(o.buf.String()[from:], s), o.changed
		o.mu.Unlock()
		if i >= 0 {
			return from + i + len(s), true
		}
		select {
		case <-changed:
		case <-done:
			i := strings.Index(o.String()[from:], s)
			return from + i + len(s), i >= 0
		case <-deadline:
			return from, false
		}
	}
}

// testDaemon is procman's daemon, run by a test in a directory of its own.
type testDaemon struct {
	t      *testing.T
	dir    string
	conf   string // the configuration file
	url    string // unix://dir/s.sock
	cmd    *exec.Cmd
	log    *output // its standard error
	exited chan struct{}
}

// daemonConfig is the part of a test daemon's configuration that comes
// before its programs: the socket, the logs and the [supervisorctl]
// section supervisorctl needs; %s is the directory.
const daemonConfig = `[supervisord]
nodaemon = true
logfile = %[1]s/procman.log
pidfile = %[1]s/procman.pid
childlogdir = %[1]s

[unix_http_server]
file = %[1]s/s.sock

[supervisorctl]
serverurl = unix://%[1]s/s.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

`

// startDaemon writes a configuration, daemonConfig then programs, to a
// new short directory (a unix socket path has at most 107 bytes), runs
// procman with it and waits until it serves. The daemon is shut down when
// the test ends, and the test fails if a process it ran outlives it.
func startDaemon(t *testing.T, programs string) *testDaemon {
	t.Helper()
	d := launchDaemon(t, programs)
	if !d.log.waitFor("procman: started", d.exited) {
		t.Fatalf("procman did not start; its log:\n%s", d.log)
	}
	return d
}

// launchDaemon is startDaemon without the wait for the daemon to serve.
func launchDaemon(t *testing.T, programs string) *testDaemon {
	t.Helper()
	dir, err := os.MkdirTemp("", "pm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	d := &testDaemon{t: t, dir: dir, conf: filepath.Join(dir, "procman.conf"), url: "unix://" + dir + "/s.sock",
		log: newOutput(), exited: make(chan struct{})}
	d.writeConfig(programs)
	d.cmd = helperCommand("-c", d.conf)
	d.cmd.Stderr = d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		d.cmd.Wait()
		close(d.exited)
	}()
	t.Cleanup(d.stop)
	return d
}

// writeConfig writes the configuration with these programs.
func (d *testDaemon) writeConfig(programs string) {
	d.t.Helper()
	text := fmt.Sprintf(daemonConfig, d.dir) + programs
	if err := os.WriteFile(d.conf, []byte(text), 0o644); err != nil {
		d.t.Fatal(err)
	}
}

// pids returns the pids of the processes the daemon runs, as it says.
func (d *testDaemon) pids() []int {
	c, err := xmlrpc.NewClient(d.url, nil)
	if err != nil {
		return nil
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), liveness)
	defer cancel()
	var infos []procInfo
	if c.Call(ctx, "supervisor.getAllProcessInfo", nil, &infos) != nil {
		return nil
	}
	var pids []int
	for _, i := range infos {
		if i.Pid > 0 {
			pids = append(pids, i.Pid)
		}
	}
	return pids
}

// stop ends the daemon with SIGTERM, or SIGKILL if it hangs, then fails
// the test if a process it ran is still alive, and kills it.
func (d *testDaemon) stop() {
	pids := d.pids()
	select {
	case <-d.exited:
	default:
		d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(liveness):
			d.t.Errorf("procman did not exit on SIGTERM; killing it. Its log:\n%s", d.log)
			d.cmd.Process.Kill()
			<-d.exited
		}
	}
	for _, pid := range pids {
		// Each process leads its own process group.
		if syscall.Kill(-pid, 0) == nil {
			d.t.Errorf("process %d outlived procman; killing it", pid)
			syscall.Kill(-pid, syscall.SIGKILL)
		}
	}
}

// supervisorctl runs Debian's supervisorctl with the daemon's
// configuration and args, and returns its standard output and error and
// its exit status.
func (d *testDaemon) supervisorctl(stdin string, args ...string) (stdout, stderr string, code int) {
	d.t.Helper()
	path := testenv.LookPath(d.t, "supervisorctl", "apt-get install supervisor")
	return run(d.t, exec.Command(path, append([]string{"-c", d.conf}, args...)...), stdin)
}

// ctl runs procman ctl, in this process, with the daemon's configuration
// and args.
func (d *testDaemon) ctl(stdin string, args ...string) (stdout, stderr string, code int) {
	d.t.Helper()
	var out, errOut bytes.Buffer
	code = runCtl(append([]string{"-c", d.conf}, args...), strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

// run runs cmd with stdin and returns its outputs and exit status.
func run(t *testing.T, cmd *exec.Cmd, stdin string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errOut
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("%s: %v", cmd, err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

// mask hides what differs from one run to the next in supervisorctl's
// output: uptimes and the dates of stops.
func mask(s string) string {
	s = regexp.MustCompile(`uptime \d+:\d\d:\d\d`).ReplaceAllString(s, "uptime UPTIME")
	return regexp.MustCompile(`[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M`).ReplaceAllString(s, "DATE")
}
