//go:build unix && !linux

package procman

import "syscall"

// init does nothing: only Linux has child subreapers. On this system a
// child's descendants that leave its process group are not found when it
// stops, and orphans are reaped by init.
func (s *sysProcs) init() error {
	s.sup.log.Debug("procman: no child subreaper on this system; descendants that leave their process group are not tracked")
	return nil
}

// signalTagged finds nothing: descendants are not tracked on this system.
func (s *sysProcs) signalTagged(string, syscall.Signal) int { return 0 }
