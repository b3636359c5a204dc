//go:build unix

package lifecycle

import (
	"errors"
	"syscall"
)

// processAlive reports whether a process of that pid exists (a zombie
// counts as gone).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	return !zombie(pid)
}

// terminate sends SIGTERM.
func terminate(pid int) { syscall.Kill(pid, syscall.SIGTERM) }

// forceKill sends SIGKILL to pid, and to its process group if it leads
// one (a detached app does, with its children).
func forceKill(pid int) {
	if pgid, err := syscall.Getpgid(pid); err == nil && pgid == pid {
		syscall.Kill(-pid, syscall.SIGKILL)
	}
	syscall.Kill(pid, syscall.SIGKILL)
}
