package lineedit

import "syscall"

// The ioctls that read and set a terminal's termios on Linux.
const (
	ioctlGetTermios = syscall.TCGETS
	ioctlSetTermios = syscall.TCSETS
)
