//go:build !unix

package lifecycle

import "github.com/dmicro-go/dmicro/internal/lineedit"

// guardTerminal does nothing: the editor has no raw mode on this system.
func guardTerminal(*lineedit.Editor) (stop func()) { return func() {} }
