//go:build !unix

package lifecycle

import (
	"fmt"
	"os"
	"syscall"
)

// dupSocket cannot pass sockets to another process here.
func dupSocket(syscall.Conn, string) (*os.File, error) {
	return nil, fmt.Errorf("%w: passing sockets", ErrNotSupported)
}
