//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
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

	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

var daemonBuild struct {
	once sync.Once
	path string
	err  error
}

// daemonBinary builds cmd/procman once for the tests that run it.
func daemonBinary(t *testing.T) string {
	t.Helper()
	daemonBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "procman-bin")
		if err != nil {
			daemonBuild.err = err
			return
		}
		daemonBuild.path = filepath.Join(dir, "procman")
		out, err := exec.Command("go", "build", "-o", daemonBuild.path, ".").CombinedOutput()
		if err != nil {
			daemonBuild.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if daemonBuild.err != nil {
		t.Fatal(daemonBuild.err)
	}
	return daemonBuild.path
}

// shortDir returns a directory with a short path, for unix sockets.
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pmd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// writeConf writes a configuration with a control socket and the given
// program sections into dir.
func writeConf(t *testing.T, dir, programs string) string {
	t.Helper()
	conf := fmt.Sprintf(`[unix_http_server]
file=%[1]s/s.sock

[supervisord]
logfile=%[1]s/procman.log
pidfile=%[1]s/procman.pid
childlogdir=%[1]s

[supervisorctl]
serverurl=unix://%[1]s/s.sock

%[2]s`, dir, programs)
	path := filepath.Join(dir, "procman.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// rpc returns a client of the daemon's socket in dir.
func rpc(t *testing.T, dir string) *xmlrpc.Client {
	t.Helper()
	c, err := xmlrpc.NewClient("unix://"+dir+"/s.sock", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitUp waits until the daemon in dir answers and every process of it is
// RUNNING, and returns their pids.
func waitUp(t *testing.T, dir string, n int) map[string]int {
	t.Helper()
	c := rpc(t, dir)
	deadline := time.Now().Add(time.Minute)
	for {
		var infos []map[string]any
		err := c.Call(context.Background(), "supervisor.getAllProcessInfo", nil, &infos)
		pids := map[string]int{}
		for _, i := range infos {
			if i["statename"] == "RUNNING" {
				pids[i["name"].(string)] = i["pid"].(int)
			}
		}
		if err == nil && len(pids) == n {
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatalf("the daemon did not get its %d processes running: %v, %v", n, infos, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func gone(pid int) bool { return syscall.Kill(pid, 0) != nil }

// TestDaemonStopsOnSIGTERM: SIGTERM stops the programs in reverse priority
// order, removes the pid file and socket, and exits 0.
func TestDaemonStopsOnSIGTERM(t *testing.T) {
	dir := shortDir(t)
	path := writeConf(t, dir, `[program:db]
command=/bin/sleep 1000
priority=10

[program:web]
command=/bin/sleep 1000
priority=20
`)
	cmd := exec.Command(daemonBinary(t), "-c", path, "-n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pids := waitUp(t, dir, 2)
	if b, err := os.ReadFile(dir + "/procman.pid"); err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(cmd.Process.Pid) {
		t.Fatalf("pid file: %q, %v", b, err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the daemon exited with %v after SIGTERM, want 0\n%s", err, stderr.String())
	}
	for name, pid := range pids {
		if !gone(pid) {
			t.Errorf("%s (pid %d) outlived the daemon", name, pid)
		}
	}
	for _, f := range []string{"procman.pid", "s.sock"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s is left behind", f)
		}
	}
	log, _ := os.ReadFile(dir + "/procman.log")
	webStop := bytes.Index(log, []byte(`msg="procman: stopped" process=web:web`))
	dbStop := bytes.Index(log, []byte(`msg="procman: stopped" process=db:db`))
	if webStop < 0 || dbStop < 0 || webStop > dbStop {
		t.Errorf("web (priority 20) did not stop before db (10):\n%s", log)
	}
}

// TestDaemonDetaches: without -n the daemon detaches, and the command
// returns once it runs.
func TestDaemonDetaches(t *testing.T) {
	dir := shortDir(t)
	path := writeConf(t, dir, "[program:x]\ncommand=/bin/sleep 1000\n")
	out, err := exec.Command(daemonBinary(t), "-c", path).CombinedOutput()
	if err != nil {
		t.Fatalf("procman -c: %v\n%s", err, out)
	}
	b, err := os.ReadFile(dir + "/procman.pid")
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	pids := waitUp(t, dir, 1)
	var ok bool
	if err := rpc(t, dir).Call(context.Background(), "supervisor.shutdown", nil, &ok); err != nil || !ok {
		t.Fatalf("shutdown: %v", err)
	}
	deadline := time.Now().Add(time.Minute)
	for !gone(pid) || !gone(pids["x"]) {
		if time.Now().After(deadline) {
			t.Fatal("the daemon or its child survived shutdown")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDaemonConfigErrors: a bad configuration is refused at start with
// its file, line and key, and exit code 2; a log directory that cannot be
// written, with its path and exit code 1.
func TestDaemonConfigErrors(t *testing.T) {
	dir := shortDir(t)
	cases := []struct {
		name, programs string
		code           int
		want           string
	}{
		{"typo'd key", "[program:x]\ncommand=/bin/true\nautostrat=true\n", 2, `procman.conf:14: [program:x] autostrat`},
		{"bad value", "[program:x]\ncommand=/bin/true\nstartsecs=soon\n", 2, `startsecs`},
		{"unwritable log", "[program:x]\ncommand=/bin/true\nstdout_logfile=/nonexistent/dir/x.log\n", 1, `/nonexistent/dir`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConf(t, dir, tc.programs)
			out, err := exec.Command(daemonBinary(t), "-c", path, "-n").CombinedOutput()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			if code != tc.code || !regexp.MustCompile(regexp.QuoteMeta(tc.want)).Match(out) {
				t.Fatalf("exit %d, output %q; want exit %d and %q", code, out, tc.code, tc.want)
			}
		})
	}
}
