package procman

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"time"
)

// AutoRestart says when a process that exited on its own is started again.
type AutoRestart int

const (
	// RestartUnexpected restarts a process whose exit code is not one of
	// its program's ExitCodes; supervisord's "unexpected", and the default.
	RestartUnexpected AutoRestart = iota
	// RestartAlways restarts a process whatever its exit; supervisord's "true".
	RestartAlways
	// RestartNever leaves an exited process EXITED; supervisord's "false".
	RestartNever
)

// String returns the value's name in supervisord's configuration.
func (a AutoRestart) String() string {
	switch a {
	case RestartAlways:
		return "true"
	case RestartNever:
		return "false"
	}
	return "unexpected"
}

// Program describes how to run one process, or NumProcs alike processes:
// supervisord's [program:x] section. Its zero values mean supervisord's
// defaults, except where a field says otherwise; Go code sets what it
// needs, and the config parser fills in supervisord's defaults where they
// differ from zero (AutoStart true, Priority 999).
//
// A Program is a value: the Supervisor keeps a copy, and a changed Program
// given to Update replaces the processes of the old one.
type Program struct {
	// Name names the program; it must be unique in the Supervisor and
	// must not contain ':' or white space. Required.
	Name string
	// Group is the group the program's processes belong to, as
	// supervisord's [group:x] sections make them; empty means a group of
	// the program's own, named after it. Processes are addressed as
	// "group:process" and, when the group is the program's own, by the
	// process name alone.
	Group string
	// Command is the executable: a path, or a name looked up in PATH (of
	// the program's environment). Required.
	Command string
	// Args are the arguments after the command.
	Args []string
	// Env is the environment, "KEY=value" each, added to the supervisor's
	// own (a key given here wins), or replacing it with CleanEnv.
	Env      []string
	CleanEnv bool
	// Dir is the working directory; empty means the supervisor's.
	Dir string
	// User and Group of the process, by name or numeric id, applied with
	// setuid/setgid (and the user's supplementary groups) when the
	// supervisor runs as root; empty means the supervisor's own. A
	// supervisor that is not root refuses a User other than itself.
	User      string
	UserGroup string
	// Umask of the process; nil means the supervisor's.
	Umask *int
	// ExtraFiles are open files the process inherits, entry i as file
	// descriptor 3+i, as os/exec.Cmd.ExtraFiles does: listening sockets
	// handed down, a pipe to report on. Every start of the process,
	// restarts included, gets the same files. The supervisor neither
	// duplicates nor closes them: they must stay open as long as the
	// program may start, and the caller closes them once it has removed
	// the program.
	ExtraFiles []*os.File

	// AutoStart starts the program's processes when they are added and
	// when the supervisor starts. The zero value is false; the config
	// parser makes it true, as supervisord does.
	AutoStart bool
	// AutoRestart says when an exited process starts again; the zero
	// value is RestartUnexpected.
	AutoRestart AutoRestart
	// ExitCodes are the expected exit codes, for RestartUnexpected and for
	// the EXITED state's "expected" flag; nil means {0}.
	ExitCodes []int
	// StartPeriod is how long a process must stay up after it started to
	// count as RUNNING (supervisord's startsecs); an exit before that is a
	// failed start (BACKOFF).
	// Zero means 1 s; negative means RUNNING at once.
	StartPeriod time.Duration
	// StartRetries is how many failed starts in a row go to BACKOFF
	// before the process is FATAL. Zero means 3; negative means none: the
	// first failed start is FATAL.
	StartRetries int
	// Backoff is the wait between a failed start and the next attempt.
	Backoff Backoff
	// StopSignal is sent to stop a process; zero means SIGTERM. After
	// StopWait it is killed with SIGKILL. Zero StopWait means 10 s;
	// negative means at once, right after the stop signal.
	StopSignal syscall.Signal
	StopWait   time.Duration
	// StopAsGroup sends StopSignal to the process's whole process group,
	// and KillAsGroup the SIGKILL. Either way, on Linux the supervisor
	// also kills, after the process has exited, any of its descendants
	// left (daemons that left the group included).
	StopAsGroup bool
	KillAsGroup bool
	// Priority orders starts (lower first) and stops (higher first);
	// programs of equal priority start in name order.
	Priority int

	// NumProcs runs that many processes of the program, numbered from
	// NumProcsStart; zero means 1. ProcessName names each: a template in
	// which %(program_name)s, %(group_name)s and %(process_num)d (with
	// printf flags and width, as in %(process_num)02d) are replaced;
	// empty means the program's name, and with NumProcs above 1 it must
	// contain %(process_num).
	NumProcs      int
	NumProcsStart int
	ProcessName   string

	// RedirectStderr sends the process's stderr to its stdout log.
	RedirectStderr bool
	// Stdout and Stderr say where the process's output goes.
	Stdout, Stderr Log
	// Logger, when set, receives each line the process prints, at Info
	// level for stdout and Warn for stderr, with the process's name.
	Logger *slog.Logger
}

// Log says where a stream of a process's output goes: a file rotated by
// size, with a number of old files kept. The zero value discards the
// output (and keeps no tail to read).
type Log struct {
	// File is the path of the log. Empty discards the output.
	File string
	// MaxBytes is the size at which the file is rotated; zero means 50
	// MiB, negative means never.
	MaxBytes int64
	// Backups is the number of rotated files kept (File.1 the newest);
	// zero means 10, negative means none.
	Backups int
}

// Backoff is the wait before the n-th retry of a failed start:
// exponential from Min by Multiplier, capped at Max, each moved at random
// by up to ±Jitter of itself, and back to Min once a process has run for
// ResetAfter. Linear makes it supervisord's: n seconds (Min·n) before the
// n-th retry, without jitter.
type Backoff struct {
	// Min is the first wait; zero means 1 s.
	Min time.Duration
	// Max caps the wait; zero means 1 min.
	Max time.Duration
	// Multiplier grows the wait; zero means 2.
	Multiplier float64
	// Jitter is the random share, 0 to 1; zero means 0.2, negative none.
	Jitter float64
	// ResetAfter is how long a process must run for its count of failed
	// starts to start over; zero means 1 min.
	ResetAfter time.Duration
	// Linear waits Min·n before the n-th retry, as supervisord does.
	Linear bool
}

// ErrConfig is wrapped by the errors of a Program that cannot run.
var ErrConfig = errors.New("procman: bad program")

// Defaults of the Program and Backoff fields whose zero value means one.
const (
	DefaultStartPeriod  = time.Second
	DefaultStartRetries = 3
	DefaultStopWait     = 10 * time.Second
	DefaultLogMaxBytes  = 50 << 20
	DefaultLogBackups   = 10
	DefaultBackoffMin   = time.Second
	DefaultBackoffMax   = time.Minute
	DefaultBackoffReset = time.Minute
)

// Validate reports what in p cannot work, every fault joined.
func (p Program) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w %q: "+format, append([]any{ErrConfig, p.Name}, args...)...))
	}
	switch {
	case p.Name == "":
		bad("no name")
	case strings.ContainsAny(p.Name, ": \t\r\n"):
		bad("the name contains ':' or white space")
	}
	if strings.ContainsAny(p.Group, ": \t\r\n") {
		bad("the group %q contains ':' or white space", p.Group)
	}
	if p.Command == "" {
		bad("no command")
	}
	if p.NumProcs < 0 {
		bad("numprocs %d is negative", p.NumProcs)
	}
	if p.NumProcs > 1 && !strings.Contains(p.ProcessName, "%(process_num)") {
		bad("numprocs is %d but process_name %q does not contain %%(process_num)", p.NumProcs, p.ProcessName)
	}
	if p.Umask != nil && (*p.Umask < 0 || *p.Umask > 0o777) {
		bad("umask %#o is outside 0 to 0777", *p.Umask)
	}
	if p.Backoff.Min < 0 || p.Backoff.Max < 0 || p.Backoff.ResetAfter < 0 {
		bad("a duration is negative")
	}
	if p.Backoff.Multiplier != 0 && p.Backoff.Multiplier < 1 {
		bad("backoff multiplier %v is below 1", p.Backoff.Multiplier)
	}
	if p.Backoff.Jitter > 1 {
		bad("backoff jitter %v is above 1", p.Backoff.Jitter)
	}
	for _, s := range []struct {
		name string
		l    Log
	}{{"stdout", p.Stdout}, {"stderr", p.Stderr}} {
		if s.l.File != "" && strings.ContainsRune(s.l.File, 0) {
			bad("the %s log file name contains a NUL", s.name)
		}
	}
	return errors.Join(errs...)
}

// filled returns p with the defaults written in.
func (p Program) filled() Program {
	if p.Group == "" {
		p.Group = p.Name
	}
	if p.ExitCodes == nil {
		p.ExitCodes = []int{0}
	}
	switch {
	case p.StartPeriod == 0:
		p.StartPeriod = DefaultStartPeriod
	case p.StartPeriod < 0:
		p.StartPeriod = 0
	}
	switch {
	case p.StartRetries == 0:
		p.StartRetries = DefaultStartRetries
	case p.StartRetries < 0:
		p.StartRetries = 0
	}
	if p.StopSignal == 0 {
		p.StopSignal = syscall.SIGTERM
	}
	switch {
	case p.StopWait == 0:
		p.StopWait = DefaultStopWait
	case p.StopWait < 0:
		p.StopWait = 0
	}
	if p.NumProcs == 0 {
		p.NumProcs = 1
	}
	p.Stdout, p.Stderr = p.Stdout.filled(), p.Stderr.filled()
	p.Backoff = p.Backoff.filled()
	return p
}

func (l Log) filled() Log {
	if l.MaxBytes == 0 {
		l.MaxBytes = DefaultLogMaxBytes
	}
	if l.Backups == 0 {
		l.Backups = DefaultLogBackups
	}
	return l
}

func (b Backoff) filled() Backoff {
	if b.Min == 0 {
		b.Min = DefaultBackoffMin
	}
	if b.Max == 0 {
		b.Max = DefaultBackoffMax
	}
	if b.Multiplier == 0 {
		b.Multiplier = 2
	}
	if b.Jitter == 0 {
		b.Jitter = 0.2
	}
	if b.ResetAfter == 0 {
		b.ResetAfter = DefaultBackoffReset
	}
	return b
}

// expected reports whether code is one of the program's expected exit codes.
func (p *Program) expected(code int) bool { return slices.Contains(p.ExitCodes, code) }

// equal reports whether p and q run the same processes the same way: what
// Update compares to decide which programs changed.
func (p Program) equal(q Program) bool { return reflect.DeepEqual(p, q) }
