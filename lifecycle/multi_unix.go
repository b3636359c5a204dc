//go:build unix

package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"

	"github.com/dmicro-go/dmicro/procman"
	"github.com/dmicro-go/dmicro/rpc"
)

// children are the services' processes of an app in multi-process mode
// (see multi.go): the sockets the master binds for them and the
// procman.Supervisor that runs them. Each service has a current child, a
// procman program; a reload replaces it by a new program, so that the old
// and the new process run side by side until the new one is ready.
type children struct {
	r *runner
	// life ends when the app stops: the waits of a start, a reload or a
	// ctl command give up.
	life   context.Context
	cancel context.CancelFunc
	// ops serializes what starts and stops processes: the start, a
	// reload, ctl's start and stop, the stop.
	ops sync.Mutex
	// wg counts the goroutines children own: the event dispatcher, each
	// child's pipe reader, the stops of replaced children.
	wg sync.WaitGroup

	mu       sync.Mutex
	sup      *procman.Supervisor // nil until started
	services []*serviceProcs
	owners   map[string]string // socket key → the service it is bound for; set at the start
	byProc   map[string]*child // by procman's full name
	closers  []io.Closer       // the master's sockets
	gen      int               // the last program's number
	closed   bool
}

// serviceProcs is one service in multi-process mode: the sockets its
// processes inherit and its current child.
type serviceProcs struct {
	name    string
	prio    int // the service's index: procman starts low first, stops high first
	sockets []passed
	files   []*os.File // the socket set's dups of them, at fd 3, 4, ... of each child
	cur     *child     // guarded by children.mu
}

func newChildren(r *runner) *children {
	life, cancel := context.WithCancel(context.Background())
	return &children{r: r, life: life, cancel: cancel}
}

// startChildren binds every sandbox's socket and starts each service's
// child, in the order of the services, waiting for each to report ready.
// If one fails, the others are stopped and the error says why.
func (r *runner) startChildren(ctx context.Context) error {
	c := r.children
	c.ops.Lock()
	defer c.ops.Unlock()
	ctx, cancel := c.bound(ctx)
	defer cancel()
	ctx, tcancel := context.WithTimeout(ctx, r.cfg.reloadTimeout)
	defer tcancel()
	err := c.begin(ctx)
	if err == nil {
		for _, s := range c.services {
			var ch *child
			if ch, err = c.newChild(s); err != nil {
				err = fmt.Errorf("service %s: %w", s.name, err)
				break
			}
			if err = c.run(ctx, ch); err != nil {
				c.kill(ch)
				err = fmt.Errorf("service %s: %w", s.name, err)
				break
			}
			c.setCurrent(s, ch)
		}
	}
	if err != nil {
		sctx, scancel := context.WithTimeout(context.Background(), r.cfg.shutdownTimeout)
		c.shutdown(sctx)
		scancel()
		return fmt.Errorf("%w: %w", ErrStartFailed, err)
	}
	return nil
}

// stopChildren stops every child gracefully, the services in reverse
// order, killing what is left when ctx ends, and closes the sockets. The
// master stops its children whether or not it hands off (handoff): a
// master's new process starts children of its own.
func (r *runner) stopChildren(ctx context.Context, handoff bool) {
	c := r.children
	c.cancel()
	c.ops.Lock()
	defer c.ops.Unlock()
	r.log.Info("lifecycle: stopping the services' processes", "handoff", handoff)
	c.shutdown(ctx)
}

// begin makes the supervisor and binds the sockets.
func (c *children) begin(ctx context.Context) error {
	sup, err := procman.New(procman.Config{Logger: c.r.log.With("component", "procman")})
	if err != nil {
		return err
	}
	events, _ := sup.Subscribe() // closed when the supervisor shuts down
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.dispatch(events)
	}()
	c.mu.Lock()
	c.sup = sup
	c.byProc = make(map[string]*child)
	c.mu.Unlock()
	for i, svc := range c.r.app.Services() {
		s := &serviceProcs{name: svc.Name(), prio: i}
		c.mu.Lock()
		c.services = append(c.services, s)
		c.mu.Unlock()
		for _, sb := range svc.Sandboxes() {
			if err := c.bind(ctx, s, sb.Name()); err != nil {
				return fmt.Errorf("sandbox %s: %w", sb.Name(), err)
			}
		}
	}
	return nil
}

// bind binds the socket of a sandbox of s, as its section declares it.
func (c *children) bind(ctx context.Context, s *serviceProcs, sandbox string) error {
	sec := c.r.file.Sandbox(sandbox)
	network, addr := sec.String("Network", "tcp"), sec.String("ListenAddr", "")
	if network == "" {
		network = "tcp"
	}
	if addr == "" || !fixedPort(network, addr) {
		c.r.log.Warn("lifecycle: the sandbox declares no fixed ListenAddr: nothing is bound for it, and a reload cannot hand its socket over",
			"sandbox", sandbox, "service", s.name)
		return nil
	}
	key, err := socketKey(network, addr)
	if err != nil {
		return err
	}
	if owner, ok := c.owners[key]; ok {
		if owner == s.name {
			return nil // another sandbox of the service on the same socket
		}
		return fmt.Errorf("%s %s is bound for service %s already: services cannot share a socket", network, addr, owner)
	}
	var closer io.Closer
	switch network {
	case "udp", "udp4", "udp6":
		pc, err := c.r.set.listenPacket(ctx, network, addr)
		if err != nil {
			return err
		}
		closer = pc
	default:
		ln, err := c.r.set.listen(ctx, network, addr, nil)
		if err != nil {
			return err
		}
		closer = ln
	}
	c.mu.Lock()
	c.closers = append(c.closers, closer)
	c.mu.Unlock()
	if c.owners == nil {
		c.owners = make(map[string]string)
	}
	c.owners[key] = s.name
	// The child gets the dup that the app's socket set holds (and closes
	// when the socket is closed), as a reload's new process does.
	list, files := c.r.set.snapshot()
	for i, p := range list {
		if k, _ := socketKey(p.Network, p.Addr); k == key {
			s.sockets = append(s.sockets, p)
			s.files = append(s.files, files[i])
		}
	}
	c.r.log.Info("lifecycle: bound", "sandbox", sandbox, "service", s.name, "network", network, "addr", addr)
	return nil
}

// newChild adds a procman program for a new process of s, not started.
func (c *children) newChild(s *serviceProcs) (*child, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("ready pipe: %w", err)
	}
	list, err := json.Marshal(s.sockets)
	if err != nil {
		pr.Close()
		pw.Close()
		return nil, err
	}
	c.mu.Lock()
	if c.closed || c.sup == nil {
		c.mu.Unlock()
		pr.Close()
		pw.Close()
		return nil, errStopping
	}
	c.gen++
	name := progName(s.name, c.gen)
	ch := &child{svc: s, prog: name, full: name + ":" + name, r: pr, w: pw}
	c.byProc[ch.full] = ch
	sup := c.sup
	c.wg.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.wg.Done()
		ch.readReports()
	}()

	env := append(withoutHandoff(os.Environ()),
		envSockets+"="+string(list),
		envReady+"="+strconv.Itoa(3+len(s.files)),
		envRole+"="+roleService,
		envService+"="+s.name,
	)
	err = sup.Add(procman.Program{
		Name:           name,
		Command:        c.r.exe,
		Args:           c.r.opt.foregroundArgs(),
		Env:            env,
		CleanEnv:       true,
		ExtraFiles:     append(slices.Clone(s.files), pw),
		AutoRestart:    procman.RestartAlways,
		StopSignal:     syscall.SIGTERM,
		StopWait:       c.r.cfg.shutdownTimeout + time.Second,
		KillAsGroup:    true,
		Priority:       s.prio,
		RedirectStderr: true,
		Logger:         slog.New(childOutput{c.r.logs}),
	})
	if err != nil {
		c.forget(ch)
		return nil, err
	}
	return ch, nil
}

// progName names the program of a service's process: procman's names
// have no colon and no white space.
func progName(service string, gen int) string {
	clean := strings.Map(func(r rune) rune {
		if r == ':' || unicode.IsSpace(r) {
			return '_'
		}
		return r
	}, service)
	return clean + "." + strconv.Itoa(gen)
}

// run starts ch's process and waits for its ready report.
func (c *children) run(ctx context.Context, ch *child) error {
	w := ch.expect()
	defer ch.expectNone()
	if err := c.sup.Start(ctx, ch.prog, false); err != nil {
		return err
	}
	return c.await(ctx, ch, w, c.r.cfg.reloadTimeout)
}

// await waits until the process started for w reports ready, fails,
// exits, or does not report within timeout.
func (c *children) await(ctx context.Context, ch *child, w *waiter, timeout time.Duration) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	pid := 0
	var exited error
	for {
		select {
		case rep := <-w.reports:
			switch rep.kind {
			case reportStarted:
				pid = rep.pid
			case reportReady:
				return nil
			case reportFailed:
				return fmt.Errorf("%s failed: %w", procText(pid), rep.err)
			case reportExited:
				if exited != nil {
					continue
				}
				exited = rep.err
				// A failure the process reported before it exited is
				// in the pipe before the mark: wait for the one or the
				// other.
				if _, err := ch.w.WriteString(syncMark + "\n"); err != nil {
					return exited
				}
			case reportSync:
				if exited != nil {
					return exited
				}
			}
		case <-timer.C:
			return fmt.Errorf("%s was not ready within %v", procText(pid), timeout)
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", procText(pid), context.Cause(ctx))
		}
	}
}

// procText names a process by its pid, if known.
func procText(pid int) string {
	if pid == 0 {
		return "the process"
	}
	return "process " + strconv.Itoa(pid)
}

// exitReason says how the process of an event ended, or why it could not
// start.
func exitReason(ev procman.Event) error {
	switch {
	case ev.Pid == 0 && ev.Err != nil:
		return fmt.Errorf("cannot start: %w", ev.Err)
	case ev.Signal != 0:
		return fmt.Errorf("%s was killed by %v before it was ready", procText(ev.Pid), ev.Signal)
	case ev.ExitCode >= 0:
		return fmt.Errorf("%s exited with status %d before it was ready", procText(ev.Pid), ev.ExitCode)
	}
	return fmt.Errorf("%s ended (%v) before it was ready", procText(ev.Pid), ev.State)
}

// kill kills ch's process, if it runs, and removes its program.
func (c *children) kill(ch *child) {
	c.sup.Stop(context.Background(), ch.prog, false) // no more retries
	c.sup.Signal(ch.prog, syscall.SIGKILL)
	c.remove(ch)
}

// remove stops ch's process gracefully (procman kills it after its
// StopWait) and removes its program.
func (c *children) remove(ch *child) {
	if err := c.sup.Remove(context.Background(), ch.prog); err != nil && !errors.Is(err, procman.ErrBadName) {
		c.r.log.Warn("lifecycle: removing a service's process", "process", ch.prog, "err", err)
	}
	c.forget(ch)
}

// retire stops a child that a new one replaced, without waiting.
func (c *children) retire(ch *child) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.remove(ch)
	}()
}

// forget drops a child whose program is gone, and closes its pipe.
func (c *children) forget(ch *child) {
	c.mu.Lock()
	if c.byProc[ch.full] == ch {
		delete(c.byProc, ch.full)
	}
	c.mu.Unlock()
	ch.closePipe()
}

// shutdown stops every process and releases what children hold. The
// caller holds ops, or is the start that failed.
func (c *children) shutdown(ctx context.Context) {
	c.cancel()
	c.mu.Lock()
	c.closed = true
	sup := c.sup
	c.mu.Unlock()
	if sup != nil {
		if err := sup.Shutdown(ctx); err != nil {
			c.r.log.Warn("lifecycle: the services' processes did not stop in time; killed", "err", err)
		}
	}
	c.mu.Lock()
	var left []*child
	for _, ch := range c.byProc {
		left = append(left, ch)
	}
	closers := c.closers
	c.closers = nil
	c.mu.Unlock()
	for _, ch := range left {
		ch.closePipe()
	}
	c.wg.Wait()
	for _, cl := range closers {
		cl.Close()
	}
}

// bound returns ctx, ended also when the app stops.
func (c *children) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(c.life, func() { cancel(errStopping) })
	return ctx, func() {
		stop()
		cancel(nil)
	}
}

func (c *children) current(s *serviceProcs) *child {
	c.mu.Lock()
	defer c.mu.Unlock()
	return s.cur
}

func (c *children) setCurrent(s *serviceProcs, ch *child) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.cur = ch
}

// usable reports whether the children were started and are not stopping.
func (c *children) usable() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sup != nil && !c.closed
}

// reload replaces each service's child by a new one, in the order of the
// services: the new one starts with the same sockets, and once it is
// ready the old one is stopped gracefully. A new child that fails is
// killed, the old one stays, and the reload stops there with the reason.
func (c *children) reload(ctx context.Context) error {
	c.ops.Lock()
	defer c.ops.Unlock()
	if !c.usable() {
		return errors.New("the services' processes are not running")
	}
	ctx, cancel := c.bound(ctx)
	defer cancel()
	for _, s := range c.services {
		old := c.current(s)
		if old != nil {
			if info, err := c.sup.Info(old.prog); err == nil && info.State == procman.StateStopped {
				c.r.log.Info("lifecycle: service stopped; not reloaded", "service", s.name)
				continue
			}
		}
		start := time.Now()
		ch, err := c.newChild(s)
		if err != nil {
			return fmt.Errorf("service %s: %w", s.name, err)
		}
		if err := c.run(ctx, ch); err != nil {
			c.kill(ch)
			c.r.log.Error("lifecycle: the service's new process failed; the old one keeps serving", "service", s.name, "err", err)
			return fmt.Errorf("service %s: %w", s.name, err)
		}
		c.setCurrent(s, ch)
		newInfo, _ := c.sup.Info(ch.prog)
		oldPid := 0
		if old != nil {
			oldInfo, _ := c.sup.Info(old.prog)
			oldPid = oldInfo.Pid
			c.retire(old)
		}
		c.r.log.Info("lifecycle: service reloaded", "service", s.name, "old_pid", oldPid, "new_pid", newInfo.Pid,
			"took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// serviceOf returns the service of that name, or of the sandbox of that
// name.
func (c *children) serviceOf(name string) *serviceProcs {
	if run, ok := c.r.byName[name]; ok {
		name = run.service
	}
	for _, s := range c.services {
		if s.name == name {
			return s
		}
	}
	return nil
}

// startStop starts or stops the child of a service, or of the service of
// a sandbox; starting waits for its ready report.
func (c *children) startStop(ctx context.Context, name string, start bool) error {
	c.ops.Lock()
	defer c.ops.Unlock()
	if !c.usable() {
		return rpc.WrapStatus(rpc.CodeUnavailable, "", errors.New("the services' processes are not running"))
	}
	s := c.serviceOf(name)
	if s == nil {
		return rpc.WrapStatus(rpc.CodeNotFound, "", fmt.Errorf("%w: %q", ErrNoSandbox, name))
	}
	ch := c.current(s)
	if ch == nil {
		return rpc.WrapStatus(rpc.CodeUnavailable, "", fmt.Errorf("service %s has no process", s.name))
	}
	ctx, cancel := c.bound(ctx)
	defer cancel()
	if !start {
		c.r.log.Info("lifecycle: stopping a service's process", "service", s.name)
		if err := c.sup.Stop(ctx, ch.prog, true); err != nil && !errors.Is(err, procman.ErrNotRunning) {
			return rpc.WrapStatus(rpc.CodeInternal, "", err)
		}
		return nil
	}
	c.r.log.Info("lifecycle: starting a service's process", "service", s.name)
	err := c.run(ctx, ch)
	switch {
	case errors.Is(err, procman.ErrAlreadyStarted):
		return nil
	case err != nil:
		c.sup.Stop(context.Background(), ch.prog, false) // it stays down until asked again
		return rpc.WrapStatus(rpc.CodeInternal, "", fmt.Errorf("%w: service %s: %w", ErrStartFailed, s.name, err))
	}
	return nil
}

// info returns the state of each service's current child.
func (c *children) info() []ChildInfo {
	c.mu.Lock()
	sup := c.sup
	type pair struct {
		s  *serviceProcs
		ch *child
	}
	list := make([]pair, 0, len(c.services))
	for _, s := range c.services {
		list = append(list, pair{s, s.cur})
	}
	c.mu.Unlock()
	if sup == nil {
		return nil
	}
	out := make([]ChildInfo, 0, len(list))
	for _, p := range list {
		ci := ChildInfo{Service: p.s.name, State: procman.StateStopped.String()}
		if p.ch != nil {
			if pi, err := sup.Info(p.ch.prog); err == nil {
				ci.State, ci.Pid, ci.Since, ci.Detail = pi.State.String(), pi.Pid, pi.Start, pi.Description
				switch pi.State {
				case procman.StateStarting, procman.StateRunning:
					// procman counts a process running after a time up;
					// it is running once it reported ready.
					ci.State = procman.StateStarting.String()
					if p.ch.readySince(pi.Start) {
						ci.State = procman.StateRunning.String()
					}
				default:
					if !pi.Stop.IsZero() {
						ci.Since = pi.Stop
					}
				}
			}
		}
		out = append(out, ci)
	}
	return out
}

// dispatch hands procman's events to the children they concern, until
// the supervisor shuts down.
func (c *children) dispatch(events <-chan procman.Event) {
	for ev := range events {
		c.mu.Lock()
		ch := c.byProc[ev.Process]
		c.mu.Unlock()
		if ch != nil {
			ch.onEvent(ev)
		}
	}
}
