package procman

import "errors"

// The errors of the Supervisor's methods. Each is wrapped with the name of
// the process or program it concerns; errors.Is tells them apart (the
// XML-RPC interface maps them onto supervisord's fault codes).
var (
	// ErrBadName: no process, program or group has that name.
	ErrBadName = errors.New("procman: no such process")
	// ErrNoFile: the command does not exist.
	ErrNoFile = errors.New("procman: no such command")
	// ErrNotExecutable: the command exists but cannot be run.
	ErrNotExecutable = errors.New("procman: command not executable")
	// ErrAlreadyStarted: the process is running, starting or in BACKOFF.
	ErrAlreadyStarted = errors.New("procman: already started")
	// ErrNotRunning: the process is not running.
	ErrNotRunning = errors.New("procman: not running")
	// ErrSpawn: the process could not be started, or exited before
	// StartPeriod (its start failed).
	ErrSpawn = errors.New("procman: spawn error")
	// ErrAbnormalTermination: the process ended while it was waited for.
	ErrAbnormalTermination = errors.New("procman: abnormal termination")
	// ErrAlreadyAdded: a program of that name is already there.
	ErrAlreadyAdded = errors.New("procman: already added")
	// ErrStillRunning: a program to remove still has processes running.
	ErrStillRunning = errors.New("procman: still running")
	// ErrBadSignal: the signal cannot be sent.
	ErrBadSignal = errors.New("procman: bad signal")
	// ErrShutdown: the supervisor is shutting down or closed.
	ErrShutdown = errors.New("procman: shutting down")
	// ErrUnsupported: this system lacks what the call needs.
	ErrUnsupported = errors.New("procman: not supported on this system")
)
