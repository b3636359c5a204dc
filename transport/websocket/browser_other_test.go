//go:build !unix

package websocket

import "os/exec"

// inOwnGroup does nothing where there are no process groups.
func inOwnGroup(cmd *exec.Cmd) {}

// killGroup kills the process of cmd.
func killGroup(cmd *exec.Cmd) error { return cmd.Process.Kill() }

// groupGone reports true: only the process itself is known.
func groupGone(cmd *exec.Cmd) bool { return true }
