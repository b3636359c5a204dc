//go:build unix

package lifecycle_test

import (
	"errors"
	"os/exec"
	"syscall"
)

// statusOwnGroup makes cmd start in a process group of its own, so that
// statusKillGroup reaches the children it starts (a browser's renderers
// and helpers), and makes the cancel of its context kill the whole group.
func statusOwnGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return statusKillGroup(cmd) }
}

// statusKillGroup kills the process group of cmd, which statusOwnGroup
// made.
func statusKillGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

// statusGroupGone reports whether no process of the group of cmd is left.
func statusGroupGone(cmd *exec.Cmd) bool {
	return cmd.Process == nil || errors.Is(syscall.Kill(-cmd.Process.Pid, 0), syscall.ESRCH)
}
