package procman

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

// Config sets up a Supervisor. The zero value works.
type Config struct {
	// Logger receives the supervisor's own log: every state change, in
	// the manner of supervisord's log ("spawned", "success", "exited",
	// "gave up"). Nil means no log.
	Logger *slog.Logger
}

// Supervisor runs programs' processes and keeps them in the states their
// programs ask for. Make one with New; it is safe for concurrent use.
type Supervisor struct {
	log    *slog.Logger
	sys    sysProcs
	events hub
	owner  goroutines
	id     string // marks the children of this supervisor, with a sequence
	seq    atomic.Uint64

	mu       sync.Mutex
	programs map[string]*entry // by program name
	procs    map[string]*process
	closing  atomic.Bool
	closed   chan struct{}
	once     sync.Once
}

// entry is a program and its processes.
type entry struct {
	prog  Program
	procs []*process
}

// New makes a Supervisor. On Linux it makes the calling process a child
// subreaper (see the package documentation).
func New(cfg Config) (*Supervisor, error) {
	var b [6]byte
	rand.Read(b[:])
	s := &Supervisor{
		log:      cfg.Logger,
		id:       hex.EncodeToString(b[:]),
		programs: make(map[string]*entry),
		procs:    make(map[string]*process),
		closed:   make(chan struct{}),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.sys.sup, s.sys.started = s, make(map[int]bool)
	s.events.sup = s
	if err := s.sys.init(); err != nil {
		return nil, err
	}
	return s, nil
}

// newTag returns a new mark for the environment of a child of process full.
func (s *Supervisor) newTag(full string) string {
	return s.id + "/" + full + "/" + strconv.FormatUint(s.seq.Add(1), 10)
}

func (s *Supervisor) shuttingDown() bool { return s.closing.Load() }

// Subscribe returns a channel of every state change from now on, in the
// order they happened, and a func that cancels the subscription (the
// channel is then closed, as it is when the supervisor closes). Events are
// queued for a subscriber that is slow to receive; one more than 10 000
// behind loses the oldest, with a log line.
func (s *Supervisor) Subscribe() (<-chan Event, func()) { return s.events.subscribe() }

// Add adds a program and starts its processes when it has AutoStart. It
// fails if the program is not valid, one of that name is there
// (ErrAlreadyAdded), or a log file cannot be opened.
func (s *Supervisor) Add(p Program) error {
	if err := p.Validate(); err != nil {
		return err
	}
	e, err := s.add(p)
	if err != nil {
		return err
	}
	if e.prog.AutoStart {
		s.startEntry(e)
	}
	return nil
}

// add registers p and starts its processes' runners.
func (s *Supervisor) add(p Program) (*entry, error) {
	if s.closing.Load() {
		return nil, fmt.Errorf("%w: add %s", ErrShutdown, p.Name)
	}
	p = p.filled()
	e := &entry{prog: p}
	for i := range p.NumProcs {
		num := p.NumProcsStart + i
		name := processName(p, num)
		proc := newProcess(s, p, num, name)
		e.procs = append(e.procs, proc)
		for _, o := range []*output{proc.stdout, proc.err} {
			if o.err != nil {
				closeAll(e.procs)
				return nil, fmt.Errorf("%w %q: log: %w", ErrConfig, p.Name, o.err)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.programs[p.Name]; dup {
		closeAll(e.procs)
		return nil, fmt.Errorf("%w: %s", ErrAlreadyAdded, p.Name)
	}
	for _, proc := range e.procs {
		if _, dup := s.procs[proc.full]; dup {
			closeAll(e.procs)
			return nil, fmt.Errorf("%w: process %s", ErrAlreadyAdded, proc.full)
		}
	}
	for _, proc := range e.procs {
		if !s.owner.start(proc.run) {
			closeAll(e.procs)
			return nil, fmt.Errorf("%w: add %s", ErrShutdown, p.Name)
		}
		s.procs[proc.full] = proc
	}
	s.programs[p.Name] = e
	return e, nil
}

// closeAll closes the outputs of processes whose runners never started.
func closeAll(procs []*process) {
	for _, p := range procs {
		p.closeOutputs()
	}
}

// processName expands a program's process_name template for process num.
func processName(p Program, num int) string {
	if p.ProcessName == "" {
		return p.Name
	}
	return Expand(p.ProcessName, map[string]any{
		"program_name": p.Name,
		"group_name":   p.Group,
		"process_num":  num,
	})
}

// startEntry starts the processes of e without waiting.
func (s *Supervisor) startEntry(e *entry) {
	for _, p := range e.procs {
		if err := p.request(command{kind: cmdStart, auto: true}); err != nil && !errors.Is(err, ErrAlreadyStarted) {
			s.log.Warn("procman: cannot start", "process", p.full, "err", err)
		}
	}
}

// Remove stops a program's processes, waiting for them, and removes the
// program.
func (s *Supervisor) Remove(ctx context.Context, name string) error {
	s.mu.Lock()
	e := s.programs[name]
	s.mu.Unlock()
	if e == nil {
		return fmt.Errorf("%w: %s", ErrBadName, name)
	}
	return s.remove(ctx, e)
}

func (s *Supervisor) remove(ctx context.Context, e *entry) error {
	if err := s.quit(ctx, e.procs); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.programs[e.prog.Name] == e {
		delete(s.programs, e.prog.Name)
	}
	for _, p := range e.procs {
		if s.procs[p.full] == p {
			delete(s.procs, p.full)
		}
	}
	return nil
}

// quit stops procs and ends their runners; if ctx ends first, the
// processes are killed.
func (s *Supervisor) quit(ctx context.Context, procs []*process) error {
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.request(command{kind: cmdQuit})
		}()
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, p := range procs {
			p.request(command{kind: cmdSignal, sig: syscall.SIGKILL})
		}
		<-done
		return ctx.Err()
	}
}

// Programs returns the programs, in priority order.
func (s *Supervisor) Programs() []Program {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Program, 0, len(s.programs))
	for _, e := range s.sortedLocked() {
		out = append(out, e.prog)
	}
	return out
}

// sortedLocked returns the entries in start order: by priority, then name.
func (s *Supervisor) sortedLocked() []*entry {
	es := make([]*entry, 0, len(s.programs))
	for _, e := range s.programs {
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool {
		if es[i].prog.Priority != es[j].prog.Priority {
			return es[i].prog.Priority < es[j].prog.Priority
		}
		return es[i].prog.Name < es[j].prog.Name
	})
	return es
}

// Changes are what a new set of programs changes: the names of the
// programs added, changed and removed.
type Changes struct {
	Added, Changed, Removed []string
}

// Diff compares programs with the supervisor's, by name and content,
// without changing anything: what supervisorctl's reread shows.
func (s *Supervisor) Diff(programs []Program) Changes {
	s.mu.Lock()
	defer s.mu.Unlock()
	var c Changes
	seen := make(map[string]bool, len(programs))
	for _, p := range programs {
		seen[p.Name] = true
		switch e := s.programs[p.Name]; {
		case e == nil:
			c.Added = append(c.Added, p.Name)
		case !e.prog.equal(p.filled()):
			c.Changed = append(c.Changed, p.Name)
		}
	}
	for name := range s.programs {
		if !seen[name] {
			c.Removed = append(c.Removed, name)
		}
	}
	slices.Sort(c.Added)
	slices.Sort(c.Changed)
	slices.Sort(c.Removed)
	return c
}

// Update makes the supervisor's programs the given ones, touching only
// those that differ: removed programs are stopped and removed (highest
// priority first), changed ones stopped and replaced, and new and
// replaced ones started in priority order when they have AutoStart. It
// returns what changed; an invalid program fails the whole update before
// anything changes.
func (s *Supervisor) Update(ctx context.Context, programs []Program) (Changes, error) {
	var errs []error
	seen := make(map[string]bool)
	for _, p := range programs {
		if err := p.Validate(); err != nil {
			errs = append(errs, err)
		}
		if seen[p.Name] {
			errs = append(errs, fmt.Errorf("%w %q: given twice", ErrConfig, p.Name))
		}
		seen[p.Name] = true
	}
	if err := errors.Join(errs...); err != nil {
		return Changes{}, err
	}
	c := s.Diff(programs)
	byName := make(map[string]Program, len(programs))
	for _, p := range programs {
		byName[p.Name] = p
	}
	s.mu.Lock()
	var gone []*entry
	for _, name := range append(slices.Clone(c.Removed), c.Changed...) {
		gone = append(gone, s.programs[name])
	}
	s.mu.Unlock()
	sortEntries(gone)
	for i := len(gone) - 1; i >= 0; i-- {
		if err := s.remove(ctx, gone[i]); err != nil {
			return c, err
		}
	}
	var fresh []*entry
	for _, name := range append(slices.Clone(c.Added), c.Changed...) {
		e, err := s.add(byName[name])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fresh = append(fresh, e)
	}
	sortEntries(fresh)
	for _, e := range fresh {
		if e.prog.AutoStart {
			s.startEntry(e)
		}
	}
	return c, errors.Join(errs...)
}

func sortEntries(es []*entry) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].prog.Priority != es[j].prog.Priority {
			return es[i].prog.Priority < es[j].prog.Priority
		}
		return es[i].prog.Name < es[j].prog.Name
	})
}

// lookup finds the processes a name stands for: "group:name" or a
// process's name alone (one process); "group:*" or a group's (or
// program's) name (its processes). The processes come in priority order.
func (s *Supervisor) lookup(name string) ([]*process, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.procs[name]; p != nil {
		return []*process{p}, nil
	}
	group, proc, hasColon := strings.Cut(name, ":")
	var out []*process
	for _, e := range s.sortedLocked() {
		for _, p := range e.procs {
			switch {
			case hasColon && proc == "*" && p.prog.Group == group:
				out = append(out, p)
			case !hasColon && (p.prog.Group == name || p.name == name):
				out = append(out, p)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrBadName, name)
	}
	return out, nil
}

// all returns every process in priority order.
func (s *Supervisor) all() []*process {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*process
	for _, e := range s.sortedLocked() {
		out = append(out, e.procs...)
	}
	return out
}

// Start starts the processes name stands for (see Info for names). With
// wait, it returns once each is RUNNING, or with ErrSpawn or
// ErrAbnormalTermination when one leaves STARTING otherwise; without, once
// each has started. A running process gives ErrAlreadyStarted, a command
// that cannot run ErrNoFile or ErrNotExecutable.
func (s *Supervisor) Start(ctx context.Context, name string, wait bool) error {
	procs, err := s.lookup(name)
	if err != nil {
		return err
	}
	return s.each(ctx, procs, command{kind: cmdStart, wait: wait}, false)
}

// Stop stops the processes name stands for; with wait it returns once
// they are STOPPED. A process that is not running gives ErrNotRunning.
func (s *Supervisor) Stop(ctx context.Context, name string, wait bool) error {
	procs, err := s.lookup(name)
	if err != nil {
		return err
	}
	return s.each(ctx, procs, command{kind: cmdStop, wait: wait}, true)
}

// Restart stops (when running) and starts the processes name stands for,
// waiting for both.
func (s *Supervisor) Restart(ctx context.Context, name string) error {
	if err := s.Stop(ctx, name, true); err != nil && !errors.Is(err, ErrNotRunning) {
		return err
	}
	return s.Start(ctx, name, true)
}

// Signal sends sig to the processes name stands for.
func (s *Supervisor) Signal(name string, sig syscall.Signal) error {
	procs, err := s.lookup(name)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range procs {
		errs = append(errs, p.request(command{kind: cmdSignal, sig: sig}))
	}
	return errors.Join(errs...)
}

// StartAll starts every process that is not running, in priority order.
func (s *Supervisor) StartAll(ctx context.Context, wait bool) error {
	var errs []error
	for _, p := range s.all() {
		if err := s.each(ctx, []*process{p}, command{kind: cmdStart, wait: wait}, false); err != nil && !errors.Is(err, ErrAlreadyStarted) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// StopAll stops every running process, highest priority first, each
// priority's processes together and waited for before the next.
func (s *Supervisor) StopAll(ctx context.Context) error {
	procs := s.all()
	var errs []error
	for len(procs) > 0 {
		prio := procs[len(procs)-1].prog.Priority
		i := len(procs)
		for i > 0 && procs[i-1].prog.Priority == prio {
			i--
		}
		if err := s.each(ctx, procs[i:], command{kind: cmdStop, wait: true}, true); err != nil && !errors.Is(err, ErrNotRunning) {
			errs = append(errs, err)
		}
		procs = procs[:i]
	}
	return errors.Join(errs...)
}

// each sends c to procs, at once or (ordered) one after the other, and
// joins their errors.
func (s *Supervisor) each(ctx context.Context, procs []*process, c command, together bool) error {
	errs := make([]error, len(procs))
	var wg sync.WaitGroup
	for i, p := range procs {
		if !together {
			errs[i] = p.requestCtx(ctx, c)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.requestCtx(ctx, c)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Info returns what is known of the process name stands for ("group:name",
// or the name of a process alone).
func (s *Supervisor) Info(name string) (ProcessInfo, error) {
	procs, err := s.lookup(name)
	if err != nil {
		return ProcessInfo{}, err
	}
	if len(procs) != 1 {
		return ProcessInfo{}, fmt.Errorf("%w: %s names a group", ErrBadName, name)
	}
	return procs[0].Info(), nil
}

// Infos returns what is known of every process, sorted by group and name
// as supervisorctl lists them.
func (s *Supervisor) Infos() []ProcessInfo {
	s.mu.Lock()
	procs := make([]*process, 0, len(s.procs))
	for _, p := range s.procs {
		procs = append(procs, p)
	}
	s.mu.Unlock()
	out := make([]ProcessInfo, len(procs))
	for i, p := range procs {
		out[i] = p.Info()
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Shutdown stops every process, highest priority first, ends the
// supervisor's goroutines and returns. If ctx ends first, the processes
// left are killed with SIGKILL and its error is returned. Programs cannot
// be added or started once it began.
func (s *Supervisor) Shutdown(ctx context.Context) error {
	s.closing.Store(true)
	// Highest priority first, each priority's programs together: their
	// running processes are stopped, those in BACKOFF given up on
	// (FATAL), the exited ones left EXITED, as supervisord shuts down.
	s.mu.Lock()
	es := s.sortedLocked()
	s.mu.Unlock()
	var err error
	for len(es) > 0 {
		prio := es[len(es)-1].prog.Priority
		i := len(es)
		for i > 0 && es[i-1].prog.Priority == prio {
			i--
		}
		var wg sync.WaitGroup
		errs := make([]error, len(es)-i)
		for k, e := range es[i:] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[k] = s.remove(ctx, e)
			}()
		}
		wg.Wait()
		if jerr := errors.Join(errs...); jerr != nil && err == nil {
			err = jerr
		}
		es = es[:i]
	}
	s.once.Do(func() { close(s.closed) })
	s.owner.stop()
	s.owner.wait()
	return err
}

// Close is Shutdown without a deadline: each process gets its StopWait.
func (s *Supervisor) Close() error { return s.Shutdown(context.Background()) }

// logState writes a state change to the supervisor's log, in the manner
// of supervisord's.
func (s *Supervisor) logState(ev Event) {
	switch ev.State {
	case StateStarting:
		if ev.Pid > 0 {
			s.log.Info("procman: spawned", "process", ev.Process, "pid", ev.Pid)
		}
	case StateRunning:
		s.log.Info("procman: success: entered RUNNING state", "process", ev.Process, "pid", ev.Pid)
	case StateBackoff:
		s.log.Warn("procman: start failed", "process", ev.Process, "err", ev.Err)
	case StateFatal:
		s.log.Warn("procman: gave up: entered FATAL state, too many start retries", "process", ev.Process, "err", ev.Err)
	case StateExited:
		s.log.Info("procman: exited", "process", ev.Process, "code", ev.ExitCode, "signal", ev.Signal, "expected", ev.Expected)
	case StateStopping:
		s.log.Info("procman: stopping", "process", ev.Process, "pid", ev.Pid)
	case StateStopped:
		s.log.Info("procman: stopped", "process", ev.Process, "code", ev.ExitCode, "signal", ev.Signal)
	}
}
