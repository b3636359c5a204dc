//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package lineedit

import "syscall"

// The ioctls that read and set a terminal's termios on macOS and the BSDs
// (tcgetattr and tcsetattr with TCSANOW).
const (
	ioctlGetTermios = syscall.TIOCGETA
	ioctlSetTermios = syscall.TIOCSETA
)
