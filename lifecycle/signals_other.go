//go:build !unix

package lifecycle

import "os"

// reloadSignals are the signals that ask for a reload: none here.
func reloadSignals() []os.Signal { return nil }

// isReload reports whether sig asks for a reload.
func isReload(os.Signal) bool { return false }
