//go:build !unix

package lifecycle

import "os"

// processAlive reports whether a process of that pid exists.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}

// terminate asks the process to stop; without signals, it is killed.
func terminate(pid int) { forceKill(pid) }

// forceKill kills the process.
func forceKill(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
		p.Release()
	}
}
