//go:build unix

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// detach starts a copy of the daemon in a session of its own, with no
// terminal, and returns once it says it runs (or why it could not).
func detach(args []string) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "procman:", err)
		return exitFailed
	}
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "procman:", err)
		return exitFailed
	}
	defer r.Close()
	cmd := exec.Command(exe, append([]string{"daemon"}, args...)...)
	cmd.Env = append(os.Environ(), daemonEnv+"=1")
	cmd.ExtraFiles = []*os.File{w} // fd 3: the readiness pipe
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		fmt.Fprintln(os.Stderr, "procman: cannot start the daemon:", err)
		return exitFailed
	}
	w.Close()
	cmd.Process.Release()
	r.SetReadDeadline(time.Now().Add(time.Minute))
	line, err := bufio.NewReader(r).ReadString('\n')
	switch {
	case err != nil:
		fmt.Fprintln(os.Stderr, "procman: the daemon did not say it started:", err)
		return exitFailed
	case strings.HasPrefix(line, "ok"):
		return exitOK
	}
	fmt.Fprint(os.Stderr, strings.TrimPrefix(line, "error: "))
	return exitFailed
}

// ready tells the process that detached this one that it runs, or why it
// could not start; it does nothing in a daemon that was not detached.
func ready(err error) {
	if os.Getenv(daemonEnv) == "" {
		return
	}
	os.Unsetenv(daemonEnv)
	f := os.NewFile(3, "ready")
	if f == nil {
		return
	}
	defer f.Close()
	if err != nil {
		fmt.Fprintf(f, "error: %v\n", err)
		return
	}
	fmt.Fprintln(f, "ok")
	// The standard streams of a detached daemon go nowhere.
	if null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0); err == nil {
		syscall.Dup2(int(null.Fd()), 0)
		syscall.Dup2(int(null.Fd()), 1)
		syscall.Dup2(int(null.Fd()), 2)
		null.Close()
	}
}

// raiseLimits raises the soft limit of open files to minfds, as supervisord
// does at start, as far as the hard limit allows.
func raiseLimits(minfds int) {
	var lim syscall.Rlimit
	if minfds <= 0 || syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil || lim.Cur >= uint64(minfds) {
		return
	}
	lim.Cur = min(uint64(minfds), lim.Max)
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
}
