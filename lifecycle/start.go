package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// serve runs the app in this process until it is stopped or hands off to
// a new process: the foreground start. It returns the exit code.
func (r *runner) serve() int {
	// Signals first, so that none is lost between starting and waiting.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, reloadSignals()...)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.runCtx = ctx
	if err := r.begin(ctx, sigs); err != nil {
		r.in.reportFailure(err)
		r.log.Error("lifecycle: start failed", "err", err)
		if r.in.role == "" && r.cfg.log != "" {
			fmt.Fprintf(r.stderr, "%s: %v\n", r.app.Name, err)
		}
		r.end()
		return ExitFailed
	}
	r.in.reportReady()
	r.log.Info("lifecycle: ready", "pid", os.Getpid(), "sandboxes", len(r.runs))

	newPid := 0
loop:
	for {
		select {
		case sig := <-sigs:
			if isReload(sig) {
				r.log.Info("lifecycle: reload asked by signal", "signal", sig.String())
				go func() {
					if _, err := r.reload(ctx); err != nil {
						r.log.Error("lifecycle: reload failed", "err", err)
					}
				}()
				continue
			}
			r.log.Info("lifecycle: stopping", "signal", sig.String())
			break loop
		case <-r.quit:
			r.log.Info("lifecycle: stopping", "by", "ctl")
			break loop
		case newPid = <-r.handedOff:
			r.log.Info("lifecycle: handed off to the new process; draining", "new_pid", newPid)
			break loop
		}
	}
	cancel()         // a reload in progress kills its new process
	r.reloads.Wait() // and has done so
	r.drain(sigs, newPid)
	r.end()
	r.log.Info("lifecycle: stopped", "pid", os.Getpid())
	return ExitOK
}

var errInterrupted = errors.New("interrupted")

// begin opens the control socket and starts the sandboxes (or, in
// multi-process mode, the services' processes). A signal to stop ends it.
func (r *runner) begin(ctx context.Context, sigs <-chan os.Signal) error {
	if r.in.role != roleReload && r.in.role != roleService {
		if info, err := r.query(ctx); err == nil {
			return fmt.Errorf("%w with pid %d (pid file %s)", ErrAlreadyRunning, info.Pid, r.cfg.pid)
		}
	}
	started := make(chan error, 1)
	sctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	go func() {
		// The control socket and the status page. A reload's new process
		// serves them only once its sandboxes serve: until then the old
		// process alone answers there, so that a status or a second
		// reload never reaches a process that is still starting.
		front := func() error {
			if r.in.role == roleService {
				return nil
			}
			if err := r.serveCtl(sctx); err != nil {
				return err
			}
			// The status page takes its inherited socket before
			// closeUnclaimed lets the others go.
			return r.serveStatus()
		}
		late := r.in.role == roleReload
		if !late {
			if err := front(); err != nil {
				started <- err
				return
			}
		}
		var err error
		if r.cfg.mode == "multi" && r.in.role != roleService {
			err = r.startChildren(sctx)
		} else {
			err = r.startAll(sctx)
		}
		if err == nil && late {
			err = front()
		}
		started <- err
	}()
	for {
		select {
		case err := <-started:
			if err != nil {
				return err
			}
			if r.in.role != roleService {
				if err := writePidFile(r.cfg.pid); err != nil {
					return err
				}
			}
			if keys := r.set.closeUnclaimed(); len(keys) > 0 {
				r.log.Info("lifecycle: closed inherited sockets that no sandbox asked for", "sockets", keys)
			}
			return nil
		case sig := <-sigs:
			if isReload(sig) {
				continue
			}
			stop(fmt.Errorf("%w by %v", errInterrupted, sig))
			return <-started
		}
	}
}

// drain stops the app: the control socket stops accepting, the sandboxes
// shut down within the shutdown timeout (a second stop signal ends it at
// once), then the control socket closes. newPid is the process this one
// handed off to, or 0.
func (r *runner) drain(sigs <-chan os.Signal, newPid int) {
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.shutdownTimeout)
	defer cancel()
	go func() {
		select {
		case sig := <-sigs:
			if !isReload(sig) {
				r.log.Warn("lifecycle: second signal: stopping at once", "signal", sig.String())
				cancel()
			}
		case <-ctx.Done():
		}
	}()
	if r.ctlLn != nil {
		r.ctlLn.Close()
	}
	if r.status != nil {
		r.status.Shutdown(ctx)
	}
	start := time.Now()
	if r.children != nil {
		r.stopChildren(ctx, newPid != 0)
	} else {
		r.stopAll(ctx)
	}
	if err := ctx.Err(); err != nil {
		r.log.Warn("lifecycle: shutdown forced", "after", time.Since(start).Round(time.Millisecond), "err", context.Cause(ctx))
	}
	if r.ctl != nil {
		cctx, ccancel := context.WithTimeout(context.Background(), time.Second)
		r.ctl.Shutdown(cctx)
		ccancel()
	}
	if newPid == 0 {
		removeOwnPidFile(r.cfg.pid)
		r.removeSocketFiles()
	}
}

// end releases what the process holds.
func (r *runner) end() {
	r.set.closeAll()
	if r.closeLog != nil {
		r.closeLog()
	}
}
