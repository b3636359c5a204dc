package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dmicro-go/dmicro/lifecycle/conf"
	"github.com/dmicro-go/dmicro/rpc"
)

// runner is one running process of an app: its sandboxes, sockets, log,
// control socket, and the reload in progress if any.
type runner struct {
	app     *App
	opt     options
	file    *conf.File
	cfg     appConfig
	log     *slog.Logger
	logs    *logHub
	in      inheritance
	set     *sockets
	exe     string
	started time.Time

	runs   []*sandboxRun
	byName map[string]*sandboxRun

	ctl      *rpc.Endpoint
	ctlLn    net.Listener
	status   *http.Server
	children *children // multi-process mode; nil otherwise

	reloading atomic.Bool
	// reloads counts the reloads in progress; runCtx ends when the app
	// stops, which ends them.
	reloads sync.WaitGroup
	runCtx  context.Context
	// handedOff receives once a reload's new process is ready: this one
	// then drains and exits.
	handedOff chan int
	// quit receives a stop asked for over the control socket.
	quit     chan struct{}
	quitOnce sync.Once
	// stderr is where a foreground start says why it failed.
	stderr io.Writer
	// closeLog closes the log file, if there is one.
	closeLog func()
}

// appConfig is the [app] section with defaults applied and the command
// line's flags over it.
type appConfig struct {
	mode            string
	pid, log, ctl   string
	logMaxBytes     int64
	logBackups      int
	shutdownTimeout time.Duration
	reloadTimeout   time.Duration
	http            string
	debug           bool
}

// sandboxesOf returns the runs of the sandboxes of a service, or of the
// sandbox of that name.
func (r *runner) sandboxesOf(name string) ([]*sandboxRun, error) {
	if run, ok := r.byName[name]; ok {
		return []*sandboxRun{run}, nil
	}
	var out []*sandboxRun
	for _, run := range r.runs {
		if run.service == name {
			out = append(out, run)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %q", ErrNoSandbox, name)
	}
	return out, nil
}

// startSandbox calls the sandbox's Setup in a goroutine and waits until it
// serves, fails or ctx ends.
func (r *runner) startSandbox(ctx context.Context, run *sandboxRun) error {
	run.mu.Lock()
	if run.state == Running || run.state == Starting || run.state == Stopping {
		run.mu.Unlock()
		return nil
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	run.cancel = cancel
	run.ready = make(chan struct{})
	run.done = make(chan struct{})
	run.stopped = false
	run.setState(Starting, nil)
	ready, done := run.ready, run.done
	run.mu.Unlock()

	name := run.sb.Name()
	if b, ok := run.sb.(based); ok {
		b.base().setEnv(&sandboxEnv{
			name:    name,
			service: run.service,
			logger:  r.log.With("sandbox", name),
			section: r.file.Sandbox(name),
			file:    r.file,
			binder:  binder{set: r.set, serving: run.serving},
		})
	}
	r.log.Info("lifecycle: starting sandbox", "sandbox", name, "service", run.service)
	go func() {
		defer close(done)
		err := safeSetup(sctx, run.sb)
		run.mu.Lock()
		defer run.mu.Unlock()
		switch {
		case run.stopped:
			if err != nil && !closedErr(err) {
				r.log.Warn("lifecycle: sandbox returned", "sandbox", name, "err", err)
			}
			run.setState(Stopped, nil)
		case err == nil:
			if run.state == Starting {
				run.setState(Running, nil)
			}
			select {
			case <-ready:
			default:
				close(ready)
			}
		default:
			r.log.Error("lifecycle: sandbox failed", "sandbox", name, "err", err)
			run.setState(Failed, err)
		}
	}()
	select {
	case <-ready:
		r.log.Info("lifecycle: sandbox running", "sandbox", name)
		return nil
	case <-done:
		select {
		case <-ready:
			return nil
		default:
		}
		run.mu.Lock()
		err := run.err
		run.mu.Unlock()
		if err == nil {
			err = errors.New("its Setup returned")
		}
		return fmt.Errorf("%w: sandbox %s: %w", ErrStartFailed, name, err)
	case <-ctx.Done():
		return fmt.Errorf("%w: sandbox %s: %w", ErrStartFailed, name, context.Cause(ctx))
	}
}

// safeSetup runs Setup, turning a panic into an error.
func safeSetup(ctx context.Context, sb Sandbox) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("its Setup panicked: %v", p)
		}
	}()
	return sb.Setup(ctx)
}

// closedErr reports whether err is what a server returns once it was shut
// down.
func closedErr(err error) bool {
	return errors.Is(err, rpc.ErrServerClosed) || errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed)
}

// stopSandbox calls the sandbox's Shutdown and waits until its Setup has
// returned, or ctx ends.
func (r *runner) stopSandbox(ctx context.Context, run *sandboxRun) error {
	run.mu.Lock()
	if run.state != Running && run.state != Starting {
		run.mu.Unlock()
		return nil
	}
	starting := run.state == Starting
	run.stopped = true
	run.setState(Stopping, nil)
	ready, done, cancel := run.ready, run.done, run.cancel
	run.mu.Unlock()

	name := run.sb.Name()
	if starting {
		// Shutdown is called once Setup has set the sandbox going, never
		// while it is still building what Shutdown stops.
		select {
		case <-ready:
		case <-done:
		case <-ctx.Done():
		}
	}
	r.log.Info("lifecycle: stopping sandbox", "sandbox", name)
	err := safeShutdown(ctx, run.sb)
	if err != nil && !closedErr(err) {
		r.log.Warn("lifecycle: sandbox shutdown", "sandbox", name, "err", err)
	}
	select {
	case <-done:
	case <-ctx.Done():
		r.log.Warn("lifecycle: sandbox did not stop in time", "sandbox", name, "err", context.Cause(ctx))
	}
	cancel()
	run.mu.Lock()
	if run.state == Stopping {
		run.setState(Stopped, nil)
	}
	run.mu.Unlock()
	return err
}

// safeShutdown runs Shutdown, turning a panic into an error.
func safeShutdown(ctx context.Context, sb Sandbox) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("its Shutdown panicked: %v", p)
		}
	}()
	return sb.Shutdown(ctx)
}

// startAll starts every sandbox in order; the first failure stops those
// started and is returned.
func (r *runner) startAll(ctx context.Context) error {
	for _, run := range r.runs {
		if err := r.startSandbox(ctx, run); err != nil {
			sctx, cancel := context.WithTimeout(context.Background(), r.cfg.shutdownTimeout)
			r.stopAll(sctx)
			cancel()
			return err
		}
	}
	return nil
}

// stopAll stops every sandbox, in reverse order.
func (r *runner) stopAll(ctx context.Context) {
	for i := len(r.runs) - 1; i >= 0; i-- {
		r.stopSandbox(ctx, r.runs[i])
	}
}

// info returns the app's state.
func (r *runner) info() Info {
	in := Info{
		Build:   r.app.BuildInfo(),
		Pid:     os.Getpid(),
		Started: r.started,
		Mode:    r.cfg.mode,
		Env:     r.opt.env,
		Config:  r.file.Path(),
		Log:     r.cfg.log,
		Debug:   r.logs.debug(),
	}
	for _, run := range r.runs {
		si := run.snapshot()
		si.Pid = in.Pid
		in.Sandboxes = append(in.Sandboxes, si)
	}
	if r.children != nil {
		in.Children = r.children.info()
		for i, si := range in.Sandboxes {
			for _, c := range in.Children {
				if c.Service == si.Service {
					in.Sandboxes[i].Pid = c.Pid
					in.Sandboxes[i].State = childState(c.State)
					in.Sandboxes[i].Since = c.Since
				}
			}
		}
	}
	return in
}

// removeSocketFiles removes the files of the unix sockets the app
// listened on, when it stops for good (not when it hands them off).
func (r *runner) removeSocketFiles() {
	for _, path := range r.set.unixPaths() {
		if fi, err := os.Lstat(path); err == nil && fi.Mode().Type() == os.ModeSocket {
			os.Remove(path)
		}
	}
}

// stop asks the run loop to stop, as SIGTERM does.
func (r *runner) stop() {
	r.quitOnce.Do(func() { close(r.quit) })
}
