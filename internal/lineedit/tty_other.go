//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package lineedit

import (
	"errors"
	"fmt"
)

// NewTTY returns an error wrapping [ErrNotTerminal] and
// [errors.ErrUnsupported]: the package drives terminals through termios,
// which this system does not have. An [Editor] without a Terminal reads
// plain lines.
func NewTTY(fd uintptr) (*TTY, error) {
	return nil, fmt.Errorf("%w: fd %d: %w", ErrNotTerminal, fd, errors.ErrUnsupported)
}

// IsTerminal reports false: the package cannot drive a terminal here.
func IsTerminal(uintptr) bool { return false }

// MakeRaw returns an error wrapping [errors.ErrUnsupported].
func (t *TTY) MakeRaw() (func() error, error) {
	return nil, fmt.Errorf("lineedit: raw mode: %w", errors.ErrUnsupported)
}

// Width returns 0.
func (t *TTY) Width() int { return 0 }
