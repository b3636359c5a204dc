//go:build unix

package lifecycle

import (
	"fmt"
	"os"
	"syscall"
)

// dupSocket returns a dup of a socket's fd as an *os.File, to pass to a
// new process.
//
// It does not use the net package's File methods: their *os.File puts
// the fd in blocking mode when os/exec passes it (File.Fd does that for
// sockets), and blocking mode belongs to the socket, shared by every dup
// of it, so a listener still accepting in this process, or in another
// process that inherited it, would block in accept(2), and its Close
// would wait for the next connection. os.NewFile on a dup leaves the mode
// alone.
func dupSocket(c syscall.Conn, name string) (*os.File, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	var (
		nfd  int
		derr error
	)
	err = rc.Control(func(fd uintptr) {
		syscall.ForkLock.RLock() // no fork between dup and close-on-exec
		defer syscall.ForkLock.RUnlock()
		if nfd, derr = syscall.Dup(int(fd)); derr == nil {
			syscall.CloseOnExec(nfd)
		}
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return nil, fmt.Errorf("dup: %w", err)
	}
	return os.NewFile(uintptr(nfd), name), nil
}
