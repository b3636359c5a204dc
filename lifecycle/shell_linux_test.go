package lifecycle_test

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/internal/ptytest"
)

// ptyShell is ctl's interactive shell run on a pseudo-terminal, its
// controlling terminal, as a user runs it.
type ptyShell struct {
	t      *testing.T
	master *os.File
	slave  *os.File
	shown  *shellOutput
	seen   int // the offset in shown after the last expect
	proc   *os.Process
	exited chan *os.ProcessState
}

func startPTYShell(t *testing.T, b *testbed, home string) *ptyShell {
	t.Helper()
	master, slave := ptytest.Open(t)
	s := &ptyShell{t: t, master: master, slave: slave, shown: newShellOutput(), exited: make(chan *os.ProcessState, 1)}
	cmd := shellCmd(t, b)
	cmd.Env = append(cmd.Env, "HOME="+home)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.proc = cmd.Process
	copied := make(chan struct{})
	go func() {
		cmd.Wait()
		s.exited <- cmd.ProcessState
	}()
	go func() {
		io.Copy(s.shown, master)
		close(copied)
	}()
	t.Cleanup(func() {
		select {
		case st := <-s.exited:
			s.exited <- st
		default:
			s.proc.Kill()
			<-s.exited
		}
		master.Close() // ends the copy
		<-copied
	})
	return s
}

// expect waits until the terminal has shown text since the last expect.
func (s *ptyShell) expect(text string) {
	s.t.Helper()
	end, ok := s.shown.waitFrom(s.seen, text)
	if !ok {
		s.t.Fatalf("the terminal did not show %q; it shows %q", text, s.shown.String()[s.seen:])
	}
	s.seen = end
}

func (s *ptyShell) typeKeys(keys string) {
	s.t.Helper()
	if _, err := s.master.WriteString(keys); err != nil {
		s.t.Fatal(err)
	}
}

func (s *ptyShell) wait() *os.ProcessState {
	s.t.Helper()
	select {
	case st := <-s.exited:
		s.exited <- st
		return st
	case <-time.After(shellLiveness):
		s.t.Fatalf("ctl did not exit; the terminal shows %q", s.shown.String()[s.seen:])
	}
	return nil
}

// shellPrompt is the prompt as the editor draws it, in raw mode.
const shellPrompt = "\rlifecycle-test » \x1b[K"

// TestShellOnPTY runs the interactive shell on a pseudo-terminal: the
// banner, the prompt, help, completion of commands and names, status, a
// log follow ended by Ctrl-C (SIGINT from the terminal, in cooked mode),
// exit, the history file, and the terminal's mode given back.
func TestShellOnPTY(t *testing.T) {
	leakcheck.Check(t)
	b := newTestbed(t)
	shellStart(t, b)
	home := t.TempDir()
	s := startPTYShell(t, b, home)
	cooked := ptytest.Termios(t, s.slave)
	for _, text := range []string{"lifecycle-test: pid ", ", mode single\r\n", "Version:", "Go version:   go",
		"Git commit:", "Build time:", "Authors:      dmicro\r\n", "Install path: ", "Type help for the commands"} {
		s.expect(text)
	}
	s.expect(shellPrompt)
	if raw := ptytest.Termios(t, s.slave); raw.Lflag&(syscall.ICANON|syscall.ECHO|syscall.ISIG) != 0 {
		t.Errorf("at the prompt the terminal has lflag %#o; want raw mode", raw.Lflag)
	}

	s.typeKeys("help\r")
	for _, text := range []string{"Commands:\r\n", "status, info, ps", "version, v", "help COMMAND says more of one."} {
		s.expect(text)
	}
	s.expect(shellPrompt)

	s.typeKeys("stat\t") // status
	s.expect("» status \x1b[K")
	s.typeKeys("\r")
	s.expect("lifecycle-test is running: pid ")
	s.expect("math")
	s.expect("RUNNING")
	s.expect(shellPrompt)

	s.typeKeys("st\t") // lists start, status, stop
	s.expect("start   status  stop")
	s.typeKeys("op m\t") // stop math, from the app's names
	s.expect("» stop math \x1b[K")
	s.typeKeys("\x15") // Ctrl-U
	s.expect(shellPrompt)

	s.typeKeys("log\r")
	s.expect("Ctrl-C ends it\r\n")
	if now := ptytest.Termios(t, s.slave); now != cooked {
		t.Errorf("during log the terminal is not in its own mode: lflag %#o, want %#o", now.Lflag, cooked.Lflag)
	}
	if out, code := b.run("ctl", "debug", "on"); code != 0 {
		t.Fatalf("ctl debug on exited %d: %s", code, out)
	}
	s.expect(`msg="lifecycle: debug logging"`)
	s.typeKeys("\x03") // the terminal sends SIGINT
	s.expect(shellPrompt)

	s.typeKeys("bogus\r")
	s.expect(`unknown command "bogus"`)
	s.expect(shellPrompt)
	s.typeKeys("exit\r")
	if st := s.wait(); st.ExitCode() != 2 {
		t.Errorf("ctl ended with %v after bogus and exit; want exit status 2", st)
	}
	if now := ptytest.Termios(t, s.slave); now != cooked {
		t.Errorf("after ctl the terminal has lflag %#o iflag %#o; want %#o %#o", now.Lflag, now.Iflag, cooked.Lflag, cooked.Iflag)
	}
	history, err := os.ReadFile(filepath.Join(home, ".lifecycle-test_history"))
	if want := "help\nstatus \nlog\nbogus\nexit\n"; err != nil || string(history) != want {
		t.Errorf("the history file holds %q (%v); want %q", history, err, want)
	}
}

// TestShellOnPTYKilled ends the shell with SIGTERM while it edits a line,
// its terminal raw: the terminal gets its mode back, and ctl dies of the
// signal.
func TestShellOnPTYKilled(t *testing.T) {
	leakcheck.Check(t)
	b := newTestbed(t)
	shellStart(t, b)
	s := startPTYShell(t, b, t.TempDir())
	cooked := ptytest.Termios(t, s.slave)
	s.expect(shellPrompt)
	s.typeKeys("stat")
	s.expect("stat")
	s.proc.Signal(syscall.SIGTERM)
	st := s.wait()
	if ws, ok := st.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("ctl ended with %v; want death by SIGTERM", st)
	}
	if now := ptytest.Termios(t, s.slave); now != cooked {
		t.Errorf("after SIGTERM the terminal has lflag %#o; want %#o", now.Lflag, cooked.Lflag)
	}
}
