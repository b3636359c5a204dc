//go:build unix

package lineedit

import (
	"os"
	"os/signal"
	"syscall"
)

// GuardSignals makes SIGTERM and SIGHUP, which end the program, give the
// terminal back its mode first, should they come while the editor holds
// it raw; the program then dies of the signal, as it would have. stop
// ends the guard.
func (e *Editor) GuardSignals() (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			e.Close()
			signal.Reset(sig)
			syscall.Kill(os.Getpid(), sig.(syscall.Signal))
		case <-done:
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}
