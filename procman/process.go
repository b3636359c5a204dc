package procman

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// process is one process of a program, and its state machine. One
// goroutine, run, owns the machine: every field marked "runner" is touched
// by it alone; the others talk to it through cmds. Info reads a snapshot
// that run keeps under mu.
type process struct {
	sup         *Supervisor
	prog        Program // filled
	name, full  string
	num         int
	cmds        chan command
	exits       chan exitInfo // from the goroutine that waits for the child
	done        chan struct{} // closed when run returns
	stdout, err *output

	// runner
	state       State
	cmd         *exec.Cmd
	pid         int
	tag         string // the environment marker of the current child and its descendants
	lastTag     string // the marker of the child before, whose descendants may be left
	started     time.Time
	stopped     time.Time
	backoff     int // failed starts in a row
	restarts    int // restarts from EXITED since the process last ran ResetAfter
	spawnErr    string
	exitStatus  int
	stopping    bool // a stop was asked for: the exit ends in STOPPED
	restarting  bool // EXITED, and to be started again when the timer fires
	killAt      time.Time
	timer       *time.Timer // the state's timer: StartPeriod, back-off, kill
	sweep       *time.Timer // kills what is left of the last child's descendants
	startWait   []chan error
	stopWait    []chan error
	lastSpawned time.Time

	mu   sync.Mutex
	info ProcessInfo
}

// command is a request to a process's runner.
type command struct {
	kind  commandKind
	sig   syscall.Signal
	wait  bool
	auto  bool // an automatic start (AutoStart): a command that cannot run goes through BACKOFF to FATAL
	reply chan error
}

type commandKind int

const (
	cmdStart commandKind = iota
	cmdStop
	cmdSignal
	cmdQuit // stop, then end the runner
)

// exitInfo is how a child ended.
type exitInfo struct {
	cmd   *exec.Cmd
	state *os.ProcessState
	err   error
}

func newProcess(sup *Supervisor, prog Program, num int, name string) *process {
	p := &process{
		sup:   sup,
		prog:  prog,
		name:  name,
		full:  prog.Group + ":" + name,
		num:   num,
		cmds:  make(chan command),
		exits: make(chan exitInfo, 1),
		done:  make(chan struct{}),
		state: StateStopped,
		timer: stoppedTimer(),
		sweep: stoppedTimer(),
	}
	p.stdout = newOutput(p, prog.Stdout, false)
	if prog.RedirectStderr {
		p.err = p.stdout
	} else {
		p.err = newOutput(p, prog.Stderr, true)
	}
	p.snapshot()
	return p
}

func stoppedTimer() *time.Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}

// requestCtx is request bounded by ctx: when ctx ends first, it returns
// ctx's error and the command goes on without a reader for its answer.
func (p *process) requestCtx(ctx context.Context, c command) error {
	c.reply = make(chan error, 1)
	select {
	case p.cmds <- c:
	case <-p.done:
		return fmt.Errorf("%w: %s", ErrShutdown, p.full)
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-c.reply:
		return err
	case <-p.done:
		return fmt.Errorf("%w: %s", ErrShutdown, p.full)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// request sends c to the runner and returns its answer, or ErrShutdown if
// the runner has ended.
func (p *process) request(c command) error {
	c.reply = make(chan error, 1)
	select {
	case p.cmds <- c:
	case <-p.done:
		return fmt.Errorf("%w: %s", ErrShutdown, p.full)
	}
	select {
	case err := <-c.reply:
		return err
	case <-p.done:
		return fmt.Errorf("%w: %s", ErrShutdown, p.full)
	}
}

// run is the process's state machine. It returns after a cmdQuit, once
// the child is stopped.
func (p *process) run() {
	defer close(p.done)
	defer p.closeOutputs()
	quitting := false
	var quitReply chan error
	for {
		select {
		case c := <-p.cmds:
			switch c.kind {
			case cmdStart:
				p.onStart(c)
			case cmdStop:
				p.onStop(c)
			case cmdSignal:
				c.reply <- p.signal(c.sig)
			case cmdQuit:
				// As supervisord stops all: a running process is
				// stopped, one between failed starts is given up on
				// (FATAL), and an exited one stays EXITED, its restart
				// cancelled.
				quitting, quitReply = true, c.reply
				p.timer.Stop()
				p.restarting = false
				switch {
				case p.state.running():
					p.beginStop(nil)
				case p.state == StateBackoff:
					p.backoff = 0
					p.setState(StateFatal, 0, nil)
				}
			}
		case x := <-p.exits:
			p.onExit(x)
		case <-p.timer.C:
			p.onTimer()
		case <-p.sweep.C:
			p.killDescendants(p.lastTag, syscall.SIGKILL)
		}
		if quitting && !p.state.running() {
			p.timer.Stop()
			p.sweep.Stop()
			p.killDescendants(p.lastTag, syscall.SIGKILL)
			quitReply <- nil
			return
		}
	}
}

// onStart starts the process if it is not running.
func (p *process) onStart(c command) {
	switch p.state {
	case StateStarting, StateRunning, StateBackoff:
		c.reply <- fmt.Errorf("%w: %s", ErrAlreadyStarted, p.full)
		return
	case StateStopping:
		c.reply <- fmt.Errorf("%w: %s is stopping", ErrAlreadyStarted, p.full)
		return
	}
	if !c.auto {
		// Asked by hand: a command that cannot run is said at once, as
		// supervisord's startProcess says NO_FILE.
		if err := p.sup.sys.checkCommand(&p.prog); err != nil {
			c.reply <- fmt.Errorf("%s: %w", p.full, err)
			return
		}
	}
	p.backoff, p.restarts = 0, 0
	p.spawn()
	if !c.wait {
		c.reply <- nil
		return
	}
	if p.state == StateRunning {
		c.reply <- nil
		return
	}
	if p.state != StateStarting {
		c.reply <- p.startFailure()
		return
	}
	p.startWait = append(p.startWait, c.reply)
}

// startFailure is the error of a start that did not reach RUNNING.
func (p *process) startFailure() error {
	if p.spawnErr != "" {
		return fmt.Errorf("%w: %s: %s", ErrSpawn, p.full, p.spawnErr)
	}
	return fmt.Errorf("%w: %s", ErrAbnormalTermination, p.full)
}

// onStop stops the process if it runs.
func (p *process) onStop(c command) {
	switch p.state {
	case StateBackoff:
		// Stopping a process between failed starts ends the retries.
		p.timer.Stop()
		p.setState(StateStopped, 0, nil)
		c.reply <- nil
		return
	case StateStarting, StateRunning:
		p.beginStop(nil)
	case StateStopping:
	default:
		if p.restarting {
			// An exited process waiting to be restarted: it stays down.
			p.restarting = false
			p.timer.Stop()
			c.reply <- nil
			return
		}
		c.reply <- fmt.Errorf("%w: %s", ErrNotRunning, p.full)
		return
	}
	if !c.wait {
		c.reply <- nil
		return
	}
	p.stopWait = append(p.stopWait, c.reply)
}

// beginStop sends the stop signal and arms the kill. STARTING or RUNNING
// → STOPPING.
func (p *process) beginStop(_ error) {
	p.stopping = true
	p.killAt = time.Now().Add(p.prog.StopWait)
	p.setState(StateStopping, p.pid, nil)
	p.sup.sys.signal(p.pid, p.prog.StopSignal, p.prog.StopAsGroup)
	p.killDescendants(p.tag, p.prog.StopSignal)
	p.arm(p.prog.StopWait)
}

// signal sends sig to a running process (and its group).
func (p *process) signal(sig syscall.Signal) error {
	if !p.state.running() || p.pid == 0 {
		return fmt.Errorf("%w: %s", ErrNotRunning, p.full)
	}
	if err := p.sup.sys.signal(p.pid, sig, false); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadSignal, p.full, err)
	}
	return nil
}

// spawn starts the child. → STARTING, or → BACKOFF (or FATAL) when it
// cannot be started.
func (p *process) spawn() {
	p.timer.Stop()
	p.spawnErr = ""
	p.stopping, p.restarting = false, false
	p.lastSpawned = time.Now()
	if p.tag != "" {
		p.lastTag = p.tag
	}
	p.tag = p.sup.newTag(p.full)
	cmd, err := p.sup.sys.start(p, p.tag)
	if err != nil {
		p.started = time.Now()
		p.setState(StateStarting, 0, nil)
		p.failedStart(err.Error(), 0, nil)
		return
	}
	p.cmd, p.pid, p.started = cmd, cmd.Process.Pid, time.Now()
	p.setState(StateStarting, p.pid, nil)
	go p.wait(cmd)
	if p.prog.StartPeriod <= 0 {
		p.toRunning()
		return
	}
	p.arm(p.prog.StartPeriod)
}

// wait waits for the child and tells the runner.
func (p *process) wait(cmd *exec.Cmd) {
	err := cmd.Wait()
	p.sup.sys.reaped(cmd)
	p.exits <- exitInfo{cmd: cmd, state: cmd.ProcessState, err: err}
}

// toRunning: STARTING → RUNNING.
func (p *process) toRunning() {
	p.backoff = 0
	p.setState(StateRunning, p.pid, nil)
	for _, w := range p.startWait {
		w <- nil
	}
	p.startWait = nil
}

// failedStart handles a start that failed (why): → BACKOFF, or → FATAL when
// the retries are spent.
func (p *process) failedStart(why string, pid int, x *exitInfo) {
	p.spawnErr = why
	p.backoff++
	p.setState(StateBackoff, pid, x)
	for _, w := range p.startWait {
		w <- p.startFailure()
	}
	p.startWait = nil
	if p.backoff > p.prog.StartRetries {
		p.backoff = 0
		p.setState(StateFatal, pid, x)
		return
	}
	p.arm(p.prog.Backoff.delay(p.backoff))
}

// onExit handles the end of the child.
func (p *process) onExit(x exitInfo) {
	if x.cmd != p.cmd {
		return
	}
	p.timer.Stop()
	pid := p.pid
	p.cmd, p.pid = nil, 0
	p.stopped = time.Now()
	code := exitCode(x.state)
	ranFor := p.stopped.Sub(p.started)
	// The child's descendants do not outlive it: they get the stop signal
	// now, and SIGKILL once the stop's grace is over.
	p.lastTag = p.tag
	if p.killDescendants(p.tag, p.prog.StopSignal) > 0 {
		grace := p.prog.StopWait
		if p.stopping {
			grace = max(time.Until(p.killAt), 0)
		}
		p.sweep.Reset(grace)
	}
	switch {
	case p.stopping:
		p.stopping = false
		p.exitStatus = code
		p.setState(StateStopped, pid, &x)
		for _, w := range p.stopWait {
			w <- nil
		}
		p.stopWait = nil
	case p.state == StateStarting && ranFor < p.prog.StartPeriod:
		p.exitStatus = 0
		p.failedStart("Exited too quickly (process log may have details)", pid, &x)
	default:
		if p.state == StateStarting {
			p.toRunning()
		}
		p.exitStatus = code
		expected := x.state != nil && x.state.Exited() && p.prog.expected(code)
		if !expected {
			p.spawnErr = fmt.Sprintf("Bad exit code %d", code)
		}
		p.setStateExpected(StateExited, pid, &x, expected)
		if ranFor >= p.prog.Backoff.ResetAfter {
			p.restarts = 0
		}
		restart := p.prog.AutoRestart == RestartAlways || (p.prog.AutoRestart == RestartUnexpected && !expected)
		if restart && !p.sup.shuttingDown() {
			// A process that keeps exiting soon after it started is
			// restarted after a back-off, not at once.
			p.restarts++
			if d := p.prog.Backoff.restartDelay(p.restarts); d > 0 {
				p.restarting = true
				p.arm(d)
			} else {
				p.spawn()
			}
		}
	}
}

// onTimer handles the state's timer.
func (p *process) onTimer() {
	switch p.state {
	case StateStarting:
		p.toRunning()
	case StateBackoff:
		if !p.sup.shuttingDown() {
			p.spawn()
		}
	case StateExited:
		if p.restarting && !p.sup.shuttingDown() {
			p.spawn()
		}
	case StateStopping:
		p.sup.sys.signal(p.pid, syscall.SIGKILL, p.prog.KillAsGroup)
		p.killDescendants(p.tag, syscall.SIGKILL)
	}
}

// arm sets the state's timer.
func (p *process) arm(d time.Duration) {
	p.timer.Stop()
	select {
	case <-p.timer.C:
	default:
	}
	p.timer.Reset(d)
}

// killDescendants signals what is left of the processes marked tag (the
// descendants of a child, which may have left its process group), and
// returns how many it signalled.
func (p *process) killDescendants(tag string, sig syscall.Signal) int {
	if tag == "" {
		return 0
	}
	return p.sup.sys.signalTagged(tag, sig)
}

// setState changes the state and publishes the change.
func (p *process) setState(s State, pid int, x *exitInfo) {
	p.setStateExpected(s, pid, x, true)
}

func (p *process) setStateExpected(s State, pid int, x *exitInfo, expected bool) {
	from := p.state
	if s == from {
		return
	}
	p.state = s
	ev := Event{
		Process: p.full, Group: p.prog.Group, Name: p.name,
		State: s, From: from, Pid: pid, ExitCode: -1, Expected: expected, Time: time.Now(),
	}
	if x != nil && x.state != nil {
		if x.state.Exited() {
			ev.ExitCode = x.state.ExitCode()
		} else if ws, ok := x.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			ev.Signal = ws.Signal()
		}
	}
	if p.spawnErr != "" && (s == StateBackoff || s == StateFatal) {
		ev.Err = errors.New(p.spawnErr)
	}
	p.snapshot()
	p.sup.events.publish(ev)
	p.sup.logState(ev)
}

// snapshot publishes the runner's state for Info.
func (p *process) snapshot() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.info = ProcessInfo{
		Name: p.name, Group: p.prog.Group, FullName: p.full, Program: p.prog.Name,
		State: p.state, Pid: p.pid, Start: p.started, Stop: p.stopped,
		ExitStatus: p.exitStatus, SpawnErr: p.spawnErr,
		StdoutLog: p.prog.Stdout.File, StderrLog: p.prog.Stderr.File,
	}
	if p.prog.RedirectStderr {
		p.info.StderrLog = ""
	}
}

// Info returns what is known of the process now.
func (p *process) Info() ProcessInfo {
	p.mu.Lock()
	info := p.info
	p.mu.Unlock()
	info.Description = describe(info, time.Now())
	return info
}

// exitCode returns the exit code of a child, or -1 when a signal ended it.
func exitCode(s *os.ProcessState) int {
	if s == nil {
		return -1
	}
	return s.ExitCode()
}

// describe makes supervisorctl's description of a process.
func describe(i ProcessInfo, now time.Time) string {
	switch i.State {
	case StateRunning:
		up := max(now.Sub(i.Start), 0).Truncate(time.Second)
		return fmt.Sprintf("pid %d, uptime %s", i.Pid, uptime(up))
	case StateFatal, StateBackoff:
		if i.SpawnErr != "" {
			return i.SpawnErr
		}
		return fmt.Sprintf("unknown error (try \"tail %s\")", i.Name)
	case StateStopped, StateExited:
		if i.Start.IsZero() {
			return "Not started"
		}
		return i.Stop.Local().Format("Jan 02 03:04 PM")
	}
	return ""
}

// uptime formats d as Python's timedelta does: "1 day, 2:03:04", "0:00:05".
func uptime(d time.Duration) string {
	days := int(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	h, m, s := int(d/time.Hour), int(d/time.Minute)%60, int(d/time.Second)%60
	clock := fmt.Sprintf("%d:%02d:%02d", h, m, s)
	switch days {
	case 0:
		return clock
	case 1:
		return "1 day, " + clock
	}
	return fmt.Sprintf("%d days, %s", days, clock)
}
