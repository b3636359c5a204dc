//go:build !unix

package lineedit

// GuardSignals does nothing: the editor has no raw mode on this system.
func (e *Editor) GuardSignals() (stop func()) { return func() {} }
