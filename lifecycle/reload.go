package lifecycle

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/dmicro-go/dmicro/lifecycle/conf"
)

// reload starts a new process of the app's binary with every socket this
// one holds and waits until it reports ready; the run loop then drains
// this one. It returns the new pid. A reload while one runs, a
// configuration that does not load, or a new process that fails, exits
// or is not ready within the reload timeout is an error, and this process
// keeps serving.
func (r *runner) reload(ctx context.Context) (int, error) {
	if !handoffSupported {
		return 0, fmt.Errorf("%w: hot restart", ErrNotSupported)
	}
	if !r.reloading.CompareAndSwap(false, true) {
		return 0, fmt.Errorf("%w: the new process is starting; try again when it is ready", ErrReloadInProgress)
	}
	handedOff := false
	defer func() {
		if !handedOff {
			r.reloading.Store(false)
		}
	}()
	// The reload ends with the app too: a stop kills the new process, and
	// waits for this to have done so before the app exits, so that no
	// half-started process outlives it.
	r.reloads.Add(1)
	defer r.reloads.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if r.runCtx != nil {
		defer context.AfterFunc(r.runCtx, cancel)()
	}
	timeout := r.cfg.reloadTimeout
	if r.opt.config != "" {
		file, err := conf.LoadFor(r.opt.config, r.opt.env, os.Environ(), r.app.sandboxNames())
		if err != nil {
			return 0, fmt.Errorf("%w: the configuration does not load: %w", ErrReloadFailed, err)
		}
		if t := file.App().ReloadTimeout; t > 0 {
			timeout = t // the new configuration's
		}
	}
	if r.children != nil {
		// Multi-process mode: the services' processes are replaced, one
		// service at a time; this process stays.
		if err := r.children.reload(ctx); err != nil {
			return 0, fmt.Errorf("%w: %w", ErrReloadFailed, err)
		}
		return os.Getpid(), nil
	}
	list, files := r.set.snapshot()
	start := time.Now()
	r.log.Info("lifecycle: reloading", "binary", r.exe, "sockets", len(list))
	pid, _, err := spawn{
		path:    r.exe,
		args:    r.opt.foregroundArgs(),
		env:     withoutHandoff(os.Environ()),
		role:    roleReload,
		sockets: list,
		files:   files,
		timeout: timeout,
	}.start(ctx)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrReloadFailed, err)
	}
	r.log.Info("lifecycle: new process ready", "new_pid", pid, "took", time.Since(start).Round(time.Millisecond))
	handedOff = true
	select {
	case r.handedOff <- pid:
	default:
	}
	return pid, nil
}
