//go:build !unix

package lifecycle

import (
	"context"
	"fmt"
	"os"
	"time"
)

// handoffSupported is false: sockets cannot be handed to a new process.
const handoffSupported = false

// spawn is a process to start with sockets and a ready pipe.
type spawn struct {
	path    string
	args    []string
	env     []string
	dir     string
	role    string
	service string
	sockets []passed
	files   []*os.File
	stdout  *os.File
	stderr  *os.File
	setsid  bool
	timeout time.Duration
}

func (sp spawn) start(context.Context) (int, <-chan struct{}, error) {
	return 0, nil, fmt.Errorf("%w: starting a process with sockets", ErrNotSupported)
}
