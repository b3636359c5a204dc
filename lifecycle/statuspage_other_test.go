//go:build !unix

package lifecycle_test

import "os/exec"

func statusOwnGroup(cmd *exec.Cmd) {}

func statusKillGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return cmd.Process.Kill()
}

func statusGroupGone(cmd *exec.Cmd) bool { return true }
