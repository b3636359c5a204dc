//go:build unix

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/internal/lineedit"
	"github.com/dmicro-go/dmicro/internal/testenv"
	"github.com/dmicro-go/dmicro/procman/xmlrpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

const shellPrograms = `[program:sleeper]
command = sleep 1000
startsecs = 0
autostart = false

[program:hup]
command = %s
startsecs = 0
autostart = false

[group:grp]
programs = g1,g2

[program:g1]
command = sleep 1000
startsecs = 0
autostart = false

[program:g2]
command = sleep 1000
startsecs = 0
autostart = false
`

func shellDaemon(t *testing.T) *testDaemon {
	t.Helper()
	d := startDaemon(t, strings.Replace(shellPrograms, "%s", hupCommand(), 1))
	if out, errOut, code := d.ctl("", "start", "sleeper", "hup", "grp:g1"); code != 0 {
		t.Fatalf("procman ctl start exited %d:\n%s%s\nthe daemon's log:\n%s", code, out, errOut, d.log)
	}
	d.waitLog("hup", "stdout", "ready")
	return d
}

// TestShellMatchesSupervisorctl feeds the same commands to both shells on
// standard input, which is no terminal, and compares what they print.
func TestShellMatchesSupervisorctl(t *testing.T) {
	leakcheck.Check(t)
	testenv.LookPath(t, "supervisorctl", "apt-get install supervisor")
	d := shellDaemon(t)
	// grp:g2 stops once, so that it shows a date for both clients.
	d.supervisorctl("", "start", "grp:g2")
	d.supervisorctl("", "stop", "grp:g2")
	for _, input := range []string{
		"status sleeper\nbogus\n\n  version  \nstatus nope\npid sleeper\nquit\n",
		"shutdown\nn\nreload\nno\nstart grp:*\nstop grp:g2\nexit\nstatus\n",
		"status grp:*\n",
		"",
		"signal CONT sleeper\nstatus,sleeper\nstatus\tsleeper\n",
	} {
		want, wantErr, wantCode := d.supervisorctl(input)
		got, gotErr, gotCode := d.ctl(input)
		if mask(got) != mask(want) || gotErr != wantErr || gotCode != wantCode {
			t.Errorf("input %q:\nprocman ctl exited %d and printed\n%s%q\nsupervisorctl exited %d and printed\n%s%q",
				input, gotCode, got, gotErr, wantCode, want, wantErr)
		}
	}
}

// TestShellInteractiveFlag checks -i: the command, then the shell.
func TestShellInteractiveFlag(t *testing.T) {
	leakcheck.Check(t)
	d := shellDaemon(t)
	out, _, code := d.ctl("version\n", "-i", "pid", "nope")
	if code != 0 || !strings.HasPrefix(out, "No such process nope\n") || !strings.HasSuffix(out, "supervisor> procman "+version+"\nsupervisor> \n") {
		t.Errorf("-i pid nope, then version, exited %d and printed\n%s", code, out)
	}
	// Interactive, shutdown asks first.
	out, _, code = d.ctl("n\n", "-i", "shutdown")
	if code != 0 || !strings.HasPrefix(out, "Really shut the remote supervisord process down y/N? grp:g1 ") {
		t.Errorf("-i shutdown, then n, exited %d and printed\n%s", code, out)
	}
	if out, _, _ := d.ctl("", "pid", "sleeper"); out == "0\n" || strings.Contains(out, "no such file") {
		t.Errorf("after -i shutdown answered no, pid sleeper printed %q", out)
	}
}

// fakeTerminal lets the editor edit without a terminal: its raw mode
// changes nothing.
type fakeTerminal struct{}

func (fakeTerminal) MakeRaw() (func() error, error) { return func() error { return nil }, nil }
func (fakeTerminal) Width() int                     { return 80 }

// TestShellOnTerminal drives the shell through the editor on a fake
// terminal: completion of commands, groups and processes from the
// daemon, history from and to the history file, Ctrl-C, Ctrl-D.
func TestShellOnTerminal(t *testing.T) {
	leakcheck.Check(t)
	d := shellDaemon(t)
	history := filepath.Join(d.dir, "history")
	if err := os.WriteFile(history, []byte("version\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	keys := "\x1b[A\r" + // the history file's version
		"stat\tsle\t\r" + // status sleeper
		"start grp:\tg2\r" + // lists grp:g1 grp:* grp:g2, then start grp:g2
		"help re\t\x15" + // lists the commands that start with re; Ctrl-U
		"update \t\x15" + // lists the groups
		"drop this\x03" + // Ctrl-C drops the line
		"pid h\t\r" + // pid hup
		"\x04" // Ctrl-D
	var out, errOut strings.Builder
	c := newCtl(nil, &out, &errOut)
	c.ed = lineedit.New(strings.NewReader(keys), &out, fakeTerminal{}, &lineedit.Options{Complete: c.complete})
	if code := c.run([]string{"-c", d.conf, "-r", history}); code != 0 {
		t.Errorf("the shell exited %d", code)
	}
	rows := screen(out.String())
	for len(rows) > 0 && !strings.HasPrefix(rows[0], "supervisor>") {
		rows = rows[1:] // the status the shell starts with
	}
	for _, want := range []string{
		"supervisor> version",
		"procman " + version,
		"supervisor> status sleeper ",
		"supervisor> start grp:",
		"grp:g1  grp:*   grp:g2",
		"supervisor> start grp:g2",
		"grp:g2: started",
		"supervisor> help re",
		"reload   remove   reread   restart",
		"supervisor> update ",
		"grp      hup      sleeper",
		"supervisor> drop this^C",
		"supervisor> pid hup ",
		"supervisor>",
	} {
		if len(rows) == 0 || !strings.HasPrefix(rows[0], strings.TrimRight(want, " ")) {
			t.Fatalf("the screen shows %q where %q was expected; all of it:\n%s", rows[:min(1, len(rows))], want, out.String())
		}
		rows = rows[1:]
		if strings.HasPrefix(want, "supervisor> status sleeper") {
			if len(rows) == 0 || !strings.HasPrefix(rows[0], "sleeper  ") {
				t.Fatalf("status sleeper printed %q", rows)
			}
			rows = rows[1:]
		}
		if want == "supervisor> pid hup " {
			rows = rows[1:] // the pid
		}
	}
	if len(rows) != 1 || rows[0] != "" {
		t.Errorf("after Ctrl-D the screen shows %q; want a newline", rows)
	}
	saved, err := os.ReadFile(history)
	if err != nil {
		t.Fatal(err)
	}
	if want := "version\nstatus sleeper \nstart grp:g2\npid hup \n"; string(saved) != want {
		t.Errorf("the history file holds %q; want %q", saved, want)
	}
}

// screen returns the rows a terminal shows after out, which the shell
// wrote with the editor's sequences: CR, LF, ESC [ K and ESC [ n C.
func screen(out string) []string {
	rows := [][]rune{nil}
	col := 0
	for len(out) > 0 {
		switch {
		case out[0] == '\r':
			col, out = 0, out[1:]
		case out[0] == '\n':
			rows, out = append(rows, nil), out[1:]
		case strings.HasPrefix(out, "\x1b[K"):
			row := &rows[len(rows)-1]
			*row, out = (*row)[:min(col, len(*row))], out[3:]
		case strings.HasPrefix(out, "\x1b["):
			end := strings.IndexByte(out, 'C')
			n, _ := strconv.Atoi(out[2:end])
			col, out = col+n, out[end+1:]
		default:
			r, size := utf8.DecodeRuneInString(out)
			row := &rows[len(rows)-1]
			for len(*row) <= col {
				*row = append(*row, ' ')
			}
			(*row)[col] = r
			col, out = col+1, out[size:]
		}
	}
	texts := make([]string, len(rows))
	for i, r := range rows {
		texts[i] = strings.TrimRight(string(r), " ")
	}
	return texts
}

// TestTailFollow runs tail -f in this process: it prints the log's end,
// then each line as the process prints it, until Ctrl-C.
func TestTailFollow(t *testing.T) {
	leakcheck.Check(t)
	d := shellDaemon(t)
	out := newOutput()
	var errOut strings.Builder
	c := newCtl(strings.NewReader(""), out, &errOut)
	ctx, interrupt := context.WithCancel(context.Background())
	c.interrupt = func() (context.Context, context.CancelFunc) { return ctx, func() {} }
	done := make(chan int, 1)
	go func() { done <- c.run([]string{"-c", d.conf, "tail", "-f", "hup"}) }()
	if !out.waitFor("ready\n", nil) {
		t.Fatalf("tail -f printed %q", out)
	}
	// "ready" came in the head that /logtail sends before it follows, so
	// the line the signal prints cannot fall between the two.
	d.ctl("", "signal", "HUP", "hup")
	if !out.waitFor("hup 1\n", nil) {
		t.Fatalf("tail -f printed %q", out)
	}
	interrupt()
	if code := <-done; code != 0 || out.String() != "==> Press Ctrl-C to exit <==\nready\nhup 1\n\n" || errOut.String() != "" {
		t.Errorf("tail -f exited %d and printed %q, %q on stderr", code, out, errOut.String())
	}
}

// TestTailFollowInterrupted runs tail -f and maintail -f of both clients
// as programs, ended by SIGINT, as Ctrl-C ends them, and compares them.
func TestTailFollowInterrupted(t *testing.T) {
	leakcheck.Check(t)
	sctl := testenv.LookPath(t, "supervisorctl", "apt-get install supervisor")
	d := shellDaemon(t)
	// follow runs a client's command, waits until it prints until, sends
	// it SIGINT and returns what it printed and its exit status.
	follow := func(cmd []string, until string) (string, int) {
		t.Helper()
		out := newOutput()
		c := helperCommand(append([]string{"ctl", "-c", d.conf}, cmd...)...)
		if cmd[0] == "supervisorctl" {
			c = exec.Command(sctl, append([]string{"-c", d.conf}, cmd[1:]...)...)
		}
		c.Stdout = out
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() {
			c.Wait()
			close(exited)
		}()
		if !out.waitFor(until, exited) {
			c.Process.Kill()
			<-exited
			t.Fatalf("%s printed %q", cmd, out)
		}
		c.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(liveness):
			c.Process.Kill()
			<-exited
			t.Fatalf("%s did not exit on SIGINT", cmd)
		}
		return out.String(), c.ProcessState.ExitCode()
	}
	for i, client := range [][]string{{"supervisorctl"}, {}} {
		cmd := append(client, "tail", "-f", "hup")
		d.supervisorctl("", "signal", "HUP", "hup")
		hups := "hup 1\n"
		if i == 1 {
			hups += "hup 2\n"
		}
		d.waitLog("hup", "stdout", hups)
		out, code := follow(cmd, hups)
		// supervisorctl does not always print its newline after Ctrl-C.
		want := "==> Press Ctrl-C to exit <==\nready\n" + hups + "\n"
		if out != want && !(i == 0 && out+"\n" == want) || code != 0 {
			t.Errorf("%s exited %d and printed %q; want %q and 0", cmd, code, out, want)
		}
	}
	// Nor after maintail -f: only procman ctl's is checked.
	for _, client := range [][]string{{"supervisorctl"}, {}} {
		cmd := append(client, "maintail", "-f")
		out, code := follow(cmd, "procman: started")
		if !strings.HasPrefix(out, "==> Press Ctrl-C to exit <==\n") || code != 0 || len(client) == 0 && !strings.HasSuffix(out, "\n\n") {
			t.Errorf("%s exited %d and printed %q", cmd, code, out)
		}
	}
}

// TestTailFollowMissing compares tail -f of a process that does not exist.
func TestTailFollowMissing(t *testing.T) {
	leakcheck.Check(t)
	testenv.LookPath(t, "supervisorctl", "apt-get install supervisor")
	d := shellDaemon(t)
	d.compare(t, ctlCase{cmd: "tail -f nope", code: 0})
	d.compare(t, ctlCase{cmd: "tail -f nope stderr", code: 0})
}

// TestFirstClientSeesEveryProgram calls the daemon as soon as its socket
// answers: the first answer lists every program of the configuration, as
// the programs are added before the API serves (a client that came while
// they were being added was told "no such process").
func TestFirstClientSeesEveryProgram(t *testing.T) {
	leakcheck.Check(t)
	d := launchDaemon(t, strings.Replace(shellPrograms, "%s", hupCommand(), 1))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the daemon's log:\n%s", d.log)
		}
	})
	var infos []procInfo
	rpctest.WaitFor(t, "the daemon to answer", func() bool {
		c, err := xmlrpc.NewClient(d.url, nil)
		if err != nil {
			return false
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), liveness)
		defer cancel()
		err = c.Call(ctx, "supervisor.getAllProcessInfo", nil, &infos)
		return err == nil
	})
	if len(infos) != 4 {
		t.Errorf("the first answer lists %d processes, want 4: %+v", len(infos), infos)
	}
}
