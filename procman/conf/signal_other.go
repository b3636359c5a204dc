//go:build !unix

package conf

import "syscall"

// signals returns the signals stopsignal may name, without their SIG prefix:
// those the syscall package defines off Unix.
func signals() []namedSignal {
	return []namedSignal{
		{"HUP", syscall.SIGHUP}, {"INT", syscall.SIGINT}, {"QUIT", syscall.SIGQUIT},
		{"ILL", syscall.SIGILL}, {"TRAP", syscall.SIGTRAP}, {"ABRT", syscall.SIGABRT},
		{"BUS", syscall.SIGBUS}, {"FPE", syscall.SIGFPE}, {"KILL", syscall.SIGKILL},
		{"SEGV", syscall.SIGSEGV}, {"PIPE", syscall.SIGPIPE}, {"ALRM", syscall.SIGALRM},
		{"TERM", syscall.SIGTERM},
	}
}
