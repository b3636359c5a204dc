//go:build !unix

package procman

import "syscall"

// signalNames are the signals this system knows by name.
var signalNames = [...]namedSignal{
	{"HUP", syscall.SIGHUP}, {"INT", syscall.SIGINT}, {"QUIT", syscall.SIGQUIT},
	{"KILL", syscall.SIGKILL}, {"TERM", syscall.SIGTERM},
}
