package main

import (
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/internal/ptytest"
)

// ttyShell is procman ctl's shell run as a program on a pseudo-terminal,
// its controlling terminal, as a user runs it.
type ttyShell struct {
	t      *testing.T
	master *os.File
	slave  *os.File
	shown  *output
	seen   int // the offset in shown after the last expect
	proc   *os.Process
	exited chan *os.ProcessState
}

func startTTYShell(t *testing.T, d *testDaemon) *ttyShell {
	t.Helper()
	master, slave := ptytest.Open(t)
	s := &ttyShell{t: t, master: master, slave: slave, shown: newOutput(), exited: make(chan *os.ProcessState, 1)}
	cmd := helperCommand("ctl", "-c", d.conf)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.proc = cmd.Process
	go func() {
		cmd.Wait()
		s.exited <- cmd.ProcessState
	}()
	go io.Copy(s.shown, master)
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			s.proc.Kill()
			<-s.exited
		}
	})
	return s
}

// expect waits until the terminal has shown text since the last expect.
func (s *ttyShell) expect(text string) {
	s.t.Helper()
	end, ok := s.shown.waitFrom(s.seen, text, nil)
	if !ok {
		s.t.Fatalf("the terminal did not show %q; it shows %q", text, s.shown.String()[s.seen:])
	}
	s.seen = end
}

func (s *ttyShell) wait() *os.ProcessState {
	s.t.Helper()
	select {
	case st := <-s.exited:
		s.exited <- st
		return st
	case <-time.After(liveness):
		s.t.Fatalf("procman ctl did not exit; the terminal shows %q", s.shown.String()[s.seen:])
	}
	return nil
}

// prompt is the prompt as the editor draws it, in raw mode: the keys
// typed from then on are neither echoed nor translated by the terminal.
const prompt = "\rsupervisor> \x1b[K"

// TestShellOnPTY runs the shell on a pseudo-terminal: completion, Ctrl-C
// of a tail -f (SIGINT from the terminal, in cooked mode), Ctrl-D, and the
// terminal's mode given back at the end.
func TestShellOnPTY(t *testing.T) {
	leakcheck.Check(t)
	d := shellDaemon(t)
	s := startTTYShell(t, d)
	cooked := ptytest.Termios(t, s.slave)
	s.expect(prompt)
	if raw := ptytest.Termios(t, s.slave); raw.Lflag&(syscall.ICANON|syscall.ECHO|syscall.ISIG) != 0 {
		t.Errorf("at the prompt the terminal has lflag %#o; want raw mode", raw.Lflag)
	}
	s.master.WriteString("stat\tsle\t\r")
	s.expect("sleeper                          RUNNING")
	s.expect(prompt)
	s.master.WriteString("tail -f hup\r")
	s.expect("==> Press Ctrl-C to exit <==\r\nready\r\n")
	if now := ptytest.Termios(t, s.slave); now != cooked {
		t.Errorf("during tail -f the terminal is not in its own mode: lflag %#o, want %#o", now.Lflag, cooked.Lflag)
	}
	s.master.WriteString("\x03") // the terminal sends SIGINT
	s.expect(prompt)
	s.master.WriteString("version\r")
	s.expect("procman " + version)
	s.expect(prompt)
	s.master.WriteString("\x04")
	if st := s.wait(); !st.Success() {
		t.Errorf("procman ctl ended with %v after Ctrl-D", st)
	}
	if now := ptytest.Termios(t, s.slave); now != cooked {
		t.Errorf("after procman ctl the terminal has lflag %#o iflag %#o; want %#o %#o", now.Lflag, now.Iflag, cooked.Lflag, cooked.Iflag)
	}
}

// TestShellOnPTYKilled ends the shell with SIGTERM while it edits a line,
// its terminal raw: the terminal gets its mode back, and procman ctl dies
// of the signal.
func TestShellOnPTYKilled(t *testing.T) {
	leakcheck.Check(t)
	d := shellDaemon(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		s := startTTYShell(t, d)
		cooked := ptytest.Termios(t, s.slave)
		s.expect(prompt)
		s.master.WriteString("stat")
		s.expect("stat")
		s.proc.Signal(sig)
		st := s.wait()
		if ws, ok := st.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != sig {
			t.Errorf("procman ctl ended with %v; want death by %v", st, sig)
		}
		if now := ptytest.Termios(t, s.slave); now != cooked {
			t.Errorf("after %v the terminal has lflag %#o; want %#o", sig, now.Lflag, cooked.Lflag)
		}
	}
}
