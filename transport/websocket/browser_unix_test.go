//go:build unix

package websocket

import (
	"errors"
	"os/exec"
	"syscall"
)

// inOwnGroup makes cmd start in a process group of its own, so that
// killGroup reaches the children it starts (a browser's renderers and
// helpers), and makes the cancel of its context kill the whole group.
func inOwnGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd) }
}

// killGroup kills the process group of cmd, which inOwnGroup made.
func killGroup(cmd *exec.Cmd) error {
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

// groupGone reports whether no process of the group of cmd is left.
func groupGone(cmd *exec.Cmd) bool {
	return errors.Is(syscall.Kill(-cmd.Process.Pid, 0), syscall.ESRCH)
}
