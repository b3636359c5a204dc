//go:build unix

package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/internal/testenv"
	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// ctlPrograms are the programs of the comparison tests: processes that
// run, exit, fail to spawn and die early, a group, a numprocs program, and
// a name longer than the status column.
func ctlPrograms() string {
	return `[program:sleeper]
command = sleep 1000
autostart = false
startsecs = 0

[program:echo]
command = sh -c 'echo hello; echo oops >&2; exec sleep 1000'
autostart = false
startsecs = 0

[program:hup]
command = ` + hupCommand() + `
autostart = false
startsecs = 0

[program:once]
command = true
autostart = false
startsecs = 0
autorestart = false

[program:fail]
command = /nonexistent/procman-test-program
autostart = false
startretries = 0

[program:quick]
command = sh -c 'exit 3'
autostart = false
startsecs = 1
startretries = 0
autorestart = false

[group:grp]
programs = g1,g2

[program:g1]
command = sleep 1000
autostart = false
startsecs = 0

[program:g2]
command = sleep 1000
autostart = false
startsecs = 0

[program:multi]
command = sleep 1000
numprocs = 2
process_name = %(program_name)s_%(process_num)d
autostart = false
startsecs = 0

[program:a_program_named_longer_than_the_column]
command = sleep 1000
autostart = false
startsecs = 0
`
}

// waitLog waits until a process's log holds text, following it as
// supervisorctl's tail -f does.
func (d *testDaemon) waitLog(name, channel, text string) {
	d.t.Helper()
	c, err := xmlrpc.NewClient(d.url, nil)
	if err != nil {
		d.t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), liveness)
	defer cancel()
	resp, err := c.Get(ctx, "/logtail/"+name+"/"+channel)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	o := newOutput()
	go io.Copy(o, resp.Body)
	if !o.waitFor(text, ctx.Done()) {
		d.t.Fatalf("the %s log of %s does not show %q: %q", channel, name, text, o)
	}
}

// ctlCase is a command both clients run against the same daemon.
type ctlCase struct {
	cmd   string // the command line
	code  int    // the exit status both must return
	undo  string // a supervisorctl command that undoes cmd, run after each client
	lines int    // compare only the first lines: the rest is help, in procman's own words
	// codeOnly compares the exit status only: supervisorctl prints a
	// Python exception there.
	codeOnly bool
}

// compare runs tc with supervisorctl, then with procman ctl, and checks
// that they print the same, uptimes and dates masked, and exit alike.
func (d *testDaemon) compare(t *testing.T, tc ctlCase) {
	t.Helper()
	args := strings.Fields(tc.cmd)
	want, wantErr, wantCode := d.supervisorctl("", args...)
	if tc.undo != "" {
		d.supervisorctl("", strings.Fields(tc.undo)...)
	}
	got, gotErr, gotCode := d.ctl("", args...)
	if tc.undo != "" {
		d.supervisorctl("", strings.Fields(tc.undo)...)
	}
	if wantCode != tc.code {
		t.Errorf("supervisorctl %s exited %d; the test expects %d (output %q)", tc.cmd, wantCode, tc.code, want)
	}
	if gotCode != wantCode {
		t.Errorf("procman ctl %s exited %d; supervisorctl %d", tc.cmd, gotCode, wantCode)
	}
	if tc.codeOnly {
		if got == "" && gotErr == "" {
			t.Errorf("procman ctl %s printed nothing", tc.cmd)
		}
		return
	}
	want, got = mask(want), mask(got)
	if tc.lines > 0 {
		want = strings.Join(strings.SplitAfter(want, "\n")[:tc.lines], "")
		got = strings.Join(strings.SplitAfter(got, "\n")[:min(tc.lines, strings.Count(got, "\n")+1)], "")
	}
	if got != want || gotErr != wantErr {
		t.Errorf("procman ctl %s printed\n%q\n%q on stderr; supervisorctl printed\n%q\n%q on stderr", tc.cmd, got, gotErr, want, wantErr)
	}
}

// TestCtlMatchesSupervisorctl runs each command with Debian's
// supervisorctl and with procman ctl against one procman daemon, and
// compares what they print and their exit statuses.
func TestCtlMatchesSupervisorctl(t *testing.T) {
	leakcheck.Check(t)
	testenv.LookPath(t, "supervisorctl", "apt-get install supervisor")
	d := startDaemon(t, ctlPrograms())
	d.supervisorctl("", "start", "sleeper", "echo", "hup", "grp:g1", "multi:*", "a_program_named_longer_than_the_column")
	d.waitLog("echo", "stdout", "hello")
	d.waitLog("echo", "stderr", "oops")
	d.waitLog("hup", "stdout", "ready")

	for _, tc := range []ctlCase{
		{cmd: "status", code: 3},
		{cmd: "status all", code: 3},
		{cmd: "status sleeper", code: 0},
		{cmd: "status sleeper echo multi:multi_1", code: 0},
		{cmd: "status nope", code: 4},
		{cmd: "status nope:*", code: 4},
		{cmd: "status grp:*", code: 3},
		{cmd: "status grp:", code: 3},
		{cmd: "status grp:g1 nope", code: 4},
		{cmd: "status g2 once", code: 3}, // a stopped process after a bad name: 3

		{cmd: "start sleeper", code: 0},
		{cmd: "start grp:g2", code: 0, undo: "stop grp:g2"},
		{cmd: "start grp:*", code: 0, undo: "stop grp:g2"},
		{cmd: "start once", code: 0},
		{cmd: "start nope", code: 1},
		{cmd: "start nope:*", code: 2},
		{cmd: "start fail", code: 1},
		{cmd: "start quick", code: 7},
		{cmd: "start sleeper nope grp:g2", code: 1, undo: "stop grp:g2"},
		{cmd: "start all", code: 7, undo: "stop grp:g2"},
		{cmd: "start", code: 2, lines: 1},

		{cmd: "stop once", code: 0},
		{cmd: "stop sleeper", code: 0, undo: "start sleeper"},
		{cmd: "stop grp:*", code: 0, undo: "start grp:g1"},
		{cmd: "stop nope", code: 1},
		{cmd: "stop nope:*", code: 1},
		{cmd: "stop", code: 1, lines: 1},

		{cmd: "restart sleeper", code: 0},
		{cmd: "restart grp:*", code: 0, undo: "stop grp:g2"},
		{cmd: "restart", code: 1, lines: 1},

		{cmd: "signal CONT sleeper", code: 0},
		{cmd: "signal cont grp:*", code: 0},
		{cmd: "signal SIGCONT all", code: 0},
		{cmd: "signal 18 multi:multi_0 sleeper", code: 0},
		{cmd: "signal BOGUS sleeper", code: 1},
		{cmd: "signal CONT once", code: 7},
		{cmd: "signal CONT nope", code: 1},
		{cmd: "signal CONT nope:*", code: 1},
		{cmd: "signal BOGUS all", code: 1, codeOnly: true},
		{cmd: "signal CONT", code: 1, lines: 1},

		{cmd: "tail echo", code: 0},
		{cmd: "tail echo stderr", code: 0},
		{cmd: "tail echo STDERR", code: 0},
		{cmd: "tail -3 echo", code: 0},
		{cmd: "tail -3 echo stderr", code: 0},
		{cmd: "tail once", code: 0},
		{cmd: "tail nope", code: 1},
		{cmd: "tail echo xx", code: 1},
		{cmd: "tail -x echo", code: 1},
		{cmd: "tail -5", code: 1},
		{cmd: "tail", code: 1, lines: 1},
		{cmd: "tail a b c d", code: 1, lines: 1},
		{cmd: "maintail -x", code: 1},
		{cmd: "maintail x", code: 1},
		{cmd: "maintail -1 -2", code: 1, lines: 1},

		{cmd: "reread", code: 0},
		{cmd: "reread x", code: 1, lines: 1},
		{cmd: "update", code: 0},
		{cmd: "update all", code: 0},
		{cmd: "update nope", code: 1},
		{cmd: "avail", code: 0},
		{cmd: "avail x", code: 1, lines: 1},
		{cmd: "add sleeper", code: 0},
		{cmd: "add nope", code: 1},
		{cmd: "remove sleeper", code: 1},
		{cmd: "remove nope", code: 1},

		{cmd: "pid", code: 0},
		{cmd: "pid sleeper", code: 0},
		{cmd: "pid sleeper grp:g1", code: 0},
		{cmd: "pid once", code: 7},
		{cmd: "pid all", code: 0},
		{cmd: "pid nope", code: 1},
		{cmd: "version", code: 0},
		{cmd: "version x", code: 1, lines: 1},
		{cmd: "shutdown x", code: 1, lines: 1},
		{cmd: "reload x", code: 1, lines: 1},
		{cmd: "open ftp://x", code: 1},
		{cmd: "quit", code: 0},
		{cmd: "exit", code: 0},
		{cmd: "bogus", code: 1},
		{cmd: "-x", code: 2, codeOnly: true},
		{cmd: "help nope", code: 0},
	} {
		t.Run(tc.cmd, func(t *testing.T) { d.compare(t, tc) })
	}
}

// TestCtlMaintail checks maintail against the daemon's log, which changes
// as the clients call it, so that the two clients' outputs differ.
func TestCtlMaintail(t *testing.T) {
	leakcheck.Check(t)
	d := startDaemon(t, "")
	out, _, code := d.ctl("", "maintail")
	if code != 0 || !strings.Contains(out, "procman: started") || !strings.HasSuffix(out, "\n\n") {
		t.Errorf("maintail exited %d and printed %q; want the daemon's log and an empty line", code, out)
	}
	out, _, code = d.ctl("", "maintail", "-20")
	if code != 0 || len(out) != 21 {
		t.Errorf("maintail -20 exited %d and printed %q; want 20 bytes and a newline", code, out)
	}
}

// TestCtlRereadAndUpdate changes the configuration and compares reread
// and update, each client's update undone before the other runs.
func TestCtlRereadAndUpdate(t *testing.T) {
	leakcheck.Check(t)
	testenv.LookPath(t, "supervisorctl", "apt-get install supervisor")
	before := `[program:stays]
command = sleep 1000
startsecs = 0
autostart = false

[program:changes]
command = sleep 1000
startsecs = 0
autostart = false

[program:goes]
command = sleep 1000
startsecs = 0
autostart = false
`
	after := `[program:stays]
command = sleep 1000
startsecs = 0
autostart = false

[program:changes]
command = sleep 999
startsecs = 0
autostart = false

[program:comes]
command = sleep 1000
startsecs = 0
autostart = false
`
	d := startDaemon(t, before)
	d.supervisorctl("", "start", "all")
	for _, tc := range []struct {
		cmd  string
		code int
	}{
		{"reread", 0},
		{"update", 0},
		{"update changes comes", 0},
		{"update goes nope", 1},
		{"avail", 0},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			args := strings.Fields(tc.cmd)
			var outs [2]string
			var codes [2]int
			for i, run := range []func(string, ...string) (string, string, int){d.supervisorctl, d.ctl} {
				d.writeConfig(after)
				outs[i], _, codes[i] = run("", args...)
				d.writeConfig(before)
				d.supervisorctl("", "update")
				d.supervisorctl("", "start", "all")
			}
			if codes[0] != tc.code || codes[1] != tc.code || mask(outs[0]) != mask(outs[1]) {
				t.Errorf("%s: supervisorctl exited %d and printed\n%s\nprocman ctl exited %d and printed\n%s\nwant exit %d",
					tc.cmd, codes[0], outs[0], codes[1], outs[1], tc.code)
			}
		})
	}
}

// TestCtlServerGone compares the clients once the daemon has been shut
// down by each, and against a port and a socket where nothing listens.
func TestCtlServerGone(t *testing.T) {
	leakcheck.Check(t)
	testenv.LookPath(t, "supervisorctl", "apt-get install supervisor")
	for i, shutdown := range []string{"supervisorctl", "procman ctl"} {
		d := startDaemon(t, "[program:sleeper]\ncommand = sleep 1000\nstartsecs = 0\n")
		var out string
		var code int
		if i == 0 {
			out, _, code = d.supervisorctl("", "shutdown")
		} else {
			out, _, code = d.ctl("", "shutdown")
		}
		if out != "Shut down\n" || code != 0 {
			t.Errorf("%s shutdown printed %q and exited %d; want \"Shut down\" and 0", shutdown, out, code)
		}
		select {
		case <-d.exited:
		case <-time.After(liveness):
			t.Fatalf("procman did not exit after %s shutdown", shutdown)
		}
		for _, tc := range []ctlCase{
			{cmd: "status", code: 4},
			{cmd: "start sleeper", code: 7},
			{cmd: "pid", code: 7},
			{cmd: "shutdown", code: 1},
			{cmd: "reread", code: 1, codeOnly: true},
		} {
			t.Run(shutdown+"/"+tc.cmd, func(t *testing.T) { d.compare(t, tc) })
		}
	}

	// A port where nothing listens.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	// A socket file where nothing listens.
	dir, err := os.MkdirTemp("", "pm")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ul, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(dir, "s.sock"), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ul.SetUnlinkOnClose(false)
	ul.Close()
	// supervisorctl -c needs a file with [supervisorctl]; -s gives the server.
	d := &testDaemon{t: t, conf: filepath.Join(dir, "ctl.conf")}
	if err := os.WriteFile(d.conf, []byte("[supervisorctl]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{"http://127.0.0.1:" + port, "unix://" + filepath.Join(dir, "s.sock")} {
		for _, tc := range []ctlCase{
			{cmd: "status", code: 4},
			{cmd: "start x", code: 4},
			{cmd: "tail x", code: 4},
			{cmd: "shutdown", code: 1},
			{cmd: "avail", code: 1, codeOnly: true},
		} {
			tc.cmd = "-s " + url + " " + tc.cmd
			t.Run(tc.cmd, func(t *testing.T) { d.compare(t, tc) })
		}
	}
}

// TestCtlAuthentication compares the clients against a daemon that asks
// for credentials, on its socket and on its port.
func TestCtlAuthentication(t *testing.T) {
	leakcheck.Check(t)
	testenv.LookPath(t, "supervisorctl", "apt-get install supervisor")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	d := startDaemon(t, "[inet_http_server]\nport = "+addr+"\nusername = admin\npassword = secret\n\n"+
		"[program:sleeper]\ncommand = sleep 1000\nstartsecs = 0\nautostart = false\n")
	d.ctl("", "start", "sleeper")
	// The configuration's [supervisorctl] names the socket, which asks
	// for no credentials; the port does. After "Server requires
	// authentication", supervisorctl runs the command again and prints
	// the exception of that second 401; procman ctl does not.
	for _, tc := range []ctlCase{
		{cmd: "status", code: 0},
		{cmd: "-s http://" + addr + " status", code: 1, lines: 1},
		{cmd: "-s http://" + addr + " start sleeper", code: 1, lines: 1},
		{cmd: "-s http://" + addr + " -u admin -p wrong status", code: 1, lines: 1},
		{cmd: "-s http://" + addr + " -u admin -p secret status", code: 0},
		{cmd: "--serverurl=http://" + addr + " --username=admin --password=secret pid sleeper", code: 0},
		{cmd: "-s http://" + addr + " tail -f sleeper", code: 1, lines: 1},
	} {
		t.Run(tc.cmd, func(t *testing.T) { d.compare(t, tc) })
	}

	// In the shell, a 401 asks for the credentials.
	out, _, code := d.ctl("admin\nsecret\n", "-s", "http://"+addr)
	want := "Server requires authentication\nUsername:Password:\nsleeper"
	if code != 0 || !strings.HasPrefix(out, want) || !strings.Contains(out, "RUNNING") {
		t.Errorf("the shell printed %q and exited %d; want it to start with %q, then the status", out, code, want)
	}
}

// TestCtlFindsTheServer checks that, without [supervisorctl] serverurl,
// procman ctl finds the daemon's socket in the configuration.
func TestCtlFindsTheServer(t *testing.T) {
	leakcheck.Check(t)
	d := startDaemon(t, "[program:sleeper]\ncommand = sleep 1000\nautostart = false\n")
	text, err := os.ReadFile(d.conf)
	if err != nil {
		t.Fatal(err)
	}
	bare := strings.Replace(string(text), "[supervisorctl]\nserverurl = "+d.url+"\n", "", 1)
	path := filepath.Join(d.dir, "bare.conf")
	if err := os.WriteFile(path, []byte(bare), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut strings.Builder
	if code := runCtl([]string{"-c", path, "status", "sleeper"}, strings.NewReader(""), &out, &errOut); code != 3 || !strings.Contains(out.String(), "Not started") {
		t.Errorf("status with the socket of [unix_http_server] exited %d: %q %q", code, out.String(), errOut.String())
	}
	if code := runCtl([]string{"-c", filepath.Join(d.dir, "missing.conf"), "status"}, strings.NewReader(""), &out, &errOut); code != exitUsage {
		t.Errorf("a missing configuration exited %d; want %d", code, exitUsage)
	}
}

// TestCtlBinary runs procman ctl as a program, for its exit status.
func TestCtlBinary(t *testing.T) {
	leakcheck.Check(t)
	d := startDaemon(t, "[program:sleeper]\ncommand = sleep 1000\nstartsecs = 0\nautostart = false\n")
	for _, tc := range []struct {
		args []string
		out  string
		code int
	}{
		{[]string{"status", "sleeper"}, fmt.Sprintf("%-33s%-10s%s\n", "sleeper", "STOPPED", "Not started"), 3},
		{[]string{"status", "nope"}, "nope: ERROR (no such process)\n", 4},
		{[]string{"start", "sleeper"}, "sleeper: started\n", 0},
		{[]string{"stop", "sleeper"}, "sleeper: stopped\n", 0},
	} {
		out, errOut, code := run(t, helperCommand(append([]string{"ctl", "-c", d.conf}, tc.args...)...), "")
		if out != tc.out || code != tc.code || errOut != "" {
			t.Errorf("procman ctl %s printed %q, %q on stderr, and exited %d; want %q and %d", tc.args, out, errOut, code, tc.out, tc.code)
		}
	}
}
