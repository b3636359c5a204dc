//go:build !unix

package procman

import (
	"fmt"
	"os/exec"
	"syscall"
)

// sysProcs stands in on systems without process groups and POSIX signals:
// every start fails with ErrUnsupported.
type sysProcs struct {
	sup     *Supervisor
	started map[int]bool
}

func (s *sysProcs) init() error { return nil }

func (s *sysProcs) checkCommand(*Program) error {
	return fmt.Errorf("%w: starting processes", ErrUnsupported)
}

func (s *sysProcs) start(*process, string) (*exec.Cmd, error) {
	return nil, fmt.Errorf("%w: starting processes", ErrUnsupported)
}

func (s *sysProcs) reaped(*exec.Cmd) {}

func (s *sysProcs) signal(int, syscall.Signal, bool) error {
	return fmt.Errorf("%w: signals", ErrUnsupported)
}

func (s *sysProcs) signalTagged(string, syscall.Signal) int { return 0 }
