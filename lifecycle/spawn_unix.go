//go:build unix

package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// handoffSupported is true where sockets can be handed to a new process.
const handoffSupported = true

// spawn is a process to start with sockets and a ready pipe.
type spawn struct {
	path    string
	args    []string // without the program name
	env     []string // without the handoff variables
	dir     string
	role    string
	service string
	sockets []passed
	files   []*os.File
	stdout  *os.File // nil: this process's
	stderr  *os.File // nil: this process's
	setsid  bool
	timeout time.Duration
}

// start starts the process and waits until it reports ready, fails, exits
// or does not report within the timeout; in the last three cases it kills
// it. It returns the new pid, and a channel closed when the process exits
// (it is reaped by a goroutine of spawn's, which lives as long as it does).
func (sp spawn) start(ctx context.Context) (pid int, exited <-chan struct{}, err error) {
	r, w, err := os.Pipe()
	if err != nil {
		return 0, nil, fmt.Errorf("lifecycle: ready pipe: %w", err)
	}
	defer r.Close()
	list, err := json.Marshal(sp.sockets)
	if err != nil {
		w.Close()
		return 0, nil, err
	}
	cmd := exec.Command(sp.path, sp.args...)
	cmd.Dir = sp.dir
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if sp.stdout != nil {
		cmd.Stdout = sp.stdout
	}
	if sp.stderr != nil {
		cmd.Stderr = sp.stderr
	}
	cmd.ExtraFiles = append(append([]*os.File(nil), sp.files...), w)
	cmd.Env = append(sp.env,
		envSockets+"="+string(list),
		envReady+"="+strconv.Itoa(3+len(sp.files)),
		envRole+"="+sp.role,
	)
	if sp.service != "" {
		cmd.Env = append(cmd.Env, envService+"="+sp.service)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: sp.setsid}
	if err := cmd.Start(); err != nil {
		w.Close()
		return 0, nil, fmt.Errorf("lifecycle: start %s: %w", sp.path, err)
	}
	w.Close() // the child holds the only write end now
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	report := make(chan error, 1)
	go func() { report <- readReport(r) }()

	timeout := sp.timeout
	if timeout <= 0 {
		timeout = DefaultReloadTimeout
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	pid = cmd.Process.Pid
	var why error
	select {
	case err := <-report:
		if err == nil {
			return pid, done, nil
		}
		if errors.Is(err, errNoReport) {
			// The pipe closed: the child is gone or going; give it the
			// rest of the timeout to go, then kill it.
			select {
			case <-done:
				why = fmt.Errorf("process %d %s before it was ready", pid, exitText(cmd.ProcessState))
			case <-timer.C:
				why = fmt.Errorf("process %d closed its ready pipe without reporting", pid)
			}
		} else {
			why = fmt.Errorf("process %d failed: %w", pid, err)
		}
	case <-timer.C:
		why = fmt.Errorf("process %d was not ready within %v", pid, timeout)
	case <-ctx.Done():
		why = fmt.Errorf("process %d: %w", pid, context.Cause(ctx))
	}
	kill(pid, sp.setsid)
	<-done
	r.Close() // ends readReport
	return 0, nil, why
}

// kill kills a child (and its session's processes if it leads one).
func kill(pid int, group bool) {
	if group {
		syscall.Kill(-pid, syscall.SIGKILL)
	}
	syscall.Kill(pid, syscall.SIGKILL)
}

// exitText says how a process ended.
func exitText(ps *os.ProcessState) string {
	if ps == nil {
		return "closed its ready pipe"
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return "was killed by " + ws.Signal().String()
	}
	return "exited with status " + strconv.Itoa(ps.ExitCode())
}
