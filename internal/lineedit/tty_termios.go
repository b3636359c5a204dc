//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package lineedit

import (
	"fmt"
	"syscall"
	"unsafe"
)

// NewTTY returns the terminal at file descriptor fd, such as
// os.Stdin.Fd(), or an error wrapping [ErrNotTerminal] when fd is not a
// terminal. It does not change the terminal's mode.
func NewTTY(fd uintptr) (*TTY, error) {
	t := &TTY{fd: int(fd)}
	if _, err := t.termios(); err != nil {
		return nil, fmt.Errorf("%w: fd %d: %w", ErrNotTerminal, fd, err)
	}
	return t, nil
}

// IsTerminal reports whether file descriptor fd is a terminal.
func IsTerminal(fd uintptr) bool {
	_, err := NewTTY(fd)
	return err == nil
}

func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
	if errno != 0 {
		return errno
	}
	return nil
}

func (t *TTY) termios() (*syscall.Termios, error) {
	var tio syscall.Termios
	if err := ioctl(t.fd, ioctlGetTermios, unsafe.Pointer(&tio)); err != nil {
		return nil, err
	}
	return &tio, nil
}

func (t *TTY) setTermios(tio *syscall.Termios) error {
	return ioctl(t.fd, ioctlSetTermios, unsafe.Pointer(tio))
}

// MakeRaw puts the terminal in raw mode, as cfmakeraw(3) does, and returns
// the func that restores the mode it had. The change takes effect at once:
// input typed ahead is kept.
func (t *TTY) MakeRaw() (func() error, error) {
	old, err := t.termios()
	if err != nil {
		return nil, fmt.Errorf("lineedit: reading the terminal mode: %w", err)
	}
	raw := *old
	raw.Iflag &^= syscall.IGNBRK | syscall.BRKINT | syscall.PARMRK | syscall.ISTRIP |
		syscall.INLCR | syscall.IGNCR | syscall.ICRNL | syscall.IXON
	raw.Oflag &^= syscall.OPOST
	raw.Lflag &^= syscall.ECHO | syscall.ECHONL | syscall.ICANON | syscall.ISIG | syscall.IEXTEN
	raw.Cflag &^= syscall.CSIZE | syscall.PARENB
	raw.Cflag |= syscall.CS8
	raw.Cc[syscall.VMIN] = 1
	raw.Cc[syscall.VTIME] = 0
	if err := t.setTermios(&raw); err != nil {
		return nil, fmt.Errorf("lineedit: setting raw mode: %w", err)
	}
	return func() error {
		if err := t.setTermios(old); err != nil {
			return fmt.Errorf("lineedit: restoring the terminal mode: %w", err)
		}
		return nil
	}, nil
}

// winsize is struct winsize of <sys/ioctl.h>, the same on every system
// the package drives.
type winsize struct {
	Row, Col, Xpixel, Ypixel uint16
}

// Width returns the terminal's width in columns, or 0 when the terminal
// does not say.
func (t *TTY) Width() int {
	var ws winsize
	if err := ioctl(t.fd, syscall.TIOCGWINSZ, unsafe.Pointer(&ws)); err != nil {
		return 0
	}
	return int(ws.Col)
}
