package lifecycle

import (
	"errors"
	"time"
)

// Errors that lifecycle's errors wrap.
var (
	// ErrDuplicate: a second sandbox or service of one name.
	ErrDuplicate = errors.New("lifecycle: duplicate name")
	// ErrUnsupportedNetwork: a socket of a network that cannot be handed
	// to another process.
	ErrUnsupportedNetwork = errors.New("lifecycle: network cannot be passed")
	// ErrHandoff: the environment a parent passed is malformed.
	ErrHandoff = errors.New("lifecycle: bad handoff from the parent process")
	// ErrNotSupported: hot restart, detaching and multi-process mode need
	// a unix system.
	ErrNotSupported = errors.New("lifecycle: not supported on this system")
	// ErrReloadInProgress: a reload was asked for while one runs.
	ErrReloadInProgress = errors.New("lifecycle: a reload is in progress")
	// ErrReloadFailed: the new process did not become ready; the old one
	// keeps serving.
	ErrReloadFailed = errors.New("lifecycle: reload failed")
	// ErrNotRunning: a command needs the running app and there is none.
	ErrNotRunning = errors.New("lifecycle: not running")
	// ErrAlreadyRunning: start while the app runs.
	ErrAlreadyRunning = errors.New("lifecycle: already running")
	// ErrStartFailed: a sandbox failed before it was ready.
	ErrStartFailed = errors.New("lifecycle: start failed")
	// ErrNoSandbox: a ctl command named no known sandbox or service.
	ErrNoSandbox = errors.New("lifecycle: no such sandbox or service")
)

// Defaults of the [app] section.
const (
	// DefaultShutdownTimeout is how long a stop or the end of a reload
	// lets calls in flight finish before it closes what is left.
	DefaultShutdownTimeout = 15 * time.Second
	// DefaultReloadTimeout is how long a reload waits for the new process
	// to report ready before it kills it (tableflip's UpgradeTimeout).
	DefaultReloadTimeout = time.Minute
	// DefaultLogMaxBytes and DefaultLogBackups rotate the log file.
	DefaultLogMaxBytes = 50 << 20
	DefaultLogBackups  = 5
)

// Exit codes of the commands, for scripts (after LSB's init scripts).
const (
	ExitOK         = 0 // done; status: running
	ExitFailed     = 1 // the command failed
	ExitUsage      = 2 // bad command line or configuration
	ExitNotRunning = 3 // the app is not running
)
