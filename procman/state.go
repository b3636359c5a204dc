package procman

import (
	"strconv"
	"syscall"
	"time"
)

// State is the state of a process, with supervisord's names and numbers.
type State int

// The states, as supervisord documents them.
const (
	// StateStopped: not running, and not to be started unless asked.
	StateStopped State = 0
	// StateStarting: started, not yet up for StartPeriod.
	StateStarting State = 10
	// StateRunning: up for StartPeriod or longer.
	StateRunning State = 20
	// StateBackoff: it exited (or could not be started) before StartPeriod
	// and waits to be started again.
	StateBackoff State = 30
	// StateStopping: asked to stop; the stop signal was sent.
	StateStopping State = 40
	// StateExited: it exited on its own from RUNNING, expectedly or not.
	StateExited State = 100
	// StateFatal: it could not be started StartRetries times in a row.
	StateFatal State = 200
	// StateUnknown: the supervisor lost track of it.
	StateUnknown State = 1000
)

// String returns the state's name in capitals, as supervisorctl prints it.
func (s State) String() string {
	switch s {
	case StateStopped:
		return "STOPPED"
	case StateStarting:
		return "STARTING"
	case StateRunning:
		return "RUNNING"
	case StateBackoff:
		return "BACKOFF"
	case StateStopping:
		return "STOPPING"
	case StateExited:
		return "EXITED"
	case StateFatal:
		return "FATAL"
	case StateUnknown:
		return "UNKNOWN"
	}
	return "STATE(" + strconv.Itoa(int(s)) + ")"
}

// running reports whether a process in state s has a live pid.
func (s State) running() bool {
	return s == StateStarting || s == StateRunning || s == StateStopping
}

// Event is one state change of one process.
type Event struct {
	// Process is the process's full name, "group:name".
	Process string
	// Group and Name are its parts.
	Group, Name string
	// State is the new state, From the one before.
	State, From State
	// Pid is the process's pid: of the process that started (STARTING,
	// RUNNING, STOPPING) or of the one that ended (EXITED, BACKOFF,
	// STOPPED); 0 when there was none.
	Pid int
	// ExitCode is the exit code of a process that ended by exiting, and
	// -1 otherwise; Signal the signal that ended it, or 0.
	ExitCode int
	Signal   syscall.Signal
	// Expected says, for EXITED, whether the exit code was an expected one.
	Expected bool
	// Err says why a start failed: the exec error (the command cannot be
	// run) or "exited too quickly"; nil otherwise.
	Err error
	// Time is when the change happened.
	Time time.Time
}

// ProcessInfo is what the supervisor knows of one process now: what
// supervisord's getProcessInfo returns.
type ProcessInfo struct {
	// Name is the process's name and Group its group; FullName is
	// "group:name". Program is the name of its program.
	Name, Group, FullName, Program string
	// State is its state, Pid its pid while it runs (else 0).
	State State
	Pid   int
	// Start is when it last started, Stop when it last ended (zero when
	// it never did).
	Start, Stop time.Time
	// ExitStatus is the exit code of its last end (-1 for a signal).
	ExitStatus int
	// SpawnErr says why its last start failed, or "".
	SpawnErr string
	// StdoutLog and StderrLog are its log files ("" when discarded).
	StdoutLog, StderrLog string
	// Description is supervisorctl's description of it: "pid 123, uptime
	// 0:01:05", "Exited too quickly (process log may have details)", "Not
	// started", or the time it stopped.
	Description string
}
