// Command procman is a process supervisor that reads supervisord's
// configuration files and answers Debian's supervisorctl, on the procman
// package.
//
//	procman [-c FILE] [-n]           run the supervisor (the daemon)
//	procman ctl [-c FILE] [CMD ...]  control it: status, start, stop, restart,
//	                                 signal, tail, reread, update, avail, pid,
//	                                 shutdown; an interactive shell without CMD
//	procman version                  print the version
//
// The daemon looks for its configuration where supervisord does when -c is
// not given, detaches from the terminal unless -n or nodaemon=true, writes
// its pid file and log, serves supervisord's XML-RPC interface on the
// [unix_http_server] socket and [inet_http_server] port, starts the
// programs with autostart in priority order, and on SIGTERM, SIGINT or
// SIGQUIT stops them in reverse order and exits 0. SIGHUP restarts the
// programs with the configuration read again, as supervisord does.
package main

import (
	"fmt"
	"os"
)

// version is the version printed; the build may set it with -ldflags.
var version = "0.1.0"

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1 // the daemon failed, or a command failed
	exitUsage   = 2 // bad flags or configuration
	exitNotRuns = 3 // ctl: procman is not running (supervisorctl's LSB-like codes differ; see ctl)
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 {
		switch args[0] {
		case "ctl":
			os.Exit(runCtl(args[1:], os.Stdin, os.Stdout, os.Stderr))
		case "version", "-v", "--version":
			fmt.Println("procman", version)
			return
		case "daemon":
			args = args[1:]
		}
	}
	os.Exit(runDaemon(args))
}
