package lineedit

import "errors"

// ErrNotTerminal is the error of [NewTTY] for a file descriptor that is
// not a terminal, or on a system where the package cannot drive one.
var ErrNotTerminal = errors.New("lineedit: not a terminal")

// Terminal switches a terminal to raw mode and reports its width: what an
// [Editor] needs of the terminal it edits on. [TTY] implements it for a
// terminal device; tests implement it to drive an Editor without one.
type Terminal interface {
	// MakeRaw puts the terminal in raw mode (no echo, no line buffering,
	// no signals from keys, no output processing) and returns the func
	// that gives it back the mode it had.
	MakeRaw() (restore func() error, err error)
	// Width returns the terminal's width in columns, or 0 when it is not
	// known (the editor then assumes 80).
	Width() int
}

// TTY is a terminal device, known by its file descriptor. Its zero value
// is not valid: get one from [NewTTY].
type TTY struct {
	fd int
}

var _ Terminal = (*TTY)(nil)

// Fd returns the terminal's file descriptor.
func (t *TTY) Fd() uintptr { return uintptr(t.fd) }
