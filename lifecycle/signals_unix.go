//go:build unix

package lifecycle

import (
	"os"
	"syscall"
)

// reloadSignals are the signals that ask for a reload.
func reloadSignals() []os.Signal { return []os.Signal{syscall.SIGHUP, syscall.SIGUSR2} }

// isReload reports whether sig asks for a reload.
func isReload(sig os.Signal) bool { return sig == syscall.SIGHUP || sig == syscall.SIGUSR2 }
