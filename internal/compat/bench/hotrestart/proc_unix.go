//go:build unix

package hotrestart

import (
	"syscall"
	"time"
)

// gone reports whether pid has exited, reaping it if it is a child.
func gone(pid int) bool {
	var ws syscall.WaitStatus
	if wpid, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil); wpid == pid {
		return true
	} else if err == nil {
		return false // our child, still running
	}
	if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
		return true
	}
	return zombie(pid)
}

// waitGone polls every millisecond until pid has exited, for at most d,
// and reports whether it has.
func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for !gone(pid) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}
