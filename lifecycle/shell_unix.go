//go:build unix

package lifecycle

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/dmicro-go/dmicro/internal/lineedit"
)

// guardTerminal makes SIGTERM and SIGHUP, which end ctl, give the terminal
// back its mode first, should they come while the editor holds it raw;
// ctl then dies of the signal, as it would have. stop ends the guard.
func guardTerminal(ed *lineedit.Editor) (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			ed.Close()
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
