// Package supervisortest runs procman and Debian's supervisord side by side
// on one configuration, for the parity tests in this package and for the
// benchmark command internal/procbench.
//
// [Start] starts either daemon in the foreground on a configuration written
// into a directory of its own, where its unix socket, pid file and logs are
// too ([Config] makes such a configuration), and returns a [Daemon] that
// calls it over supervisord's XML-RPC interface. Tests never reach a
// supervisord of the system: every daemon and every supervisorctl is given
// its own configuration, with its own socket.
//
// The children the daemons supervise are the calling program re-executed
// ([Children], [RunChild]): a test binary whose TestMain, or a command whose
// main, hands the arguments after [ChildArg] to RunChild. Each mode is a
// small, predictable program: sleep, exit with a code, exit after a while,
// ignore SIGTERM, print, print at a rate, report its start and exit to a
// socket, or speak supervisord's event listener protocol ([Recorder],
// [ListenEvents]) so that every state change supervisord makes is seen.
//
// Every child's command line carries a token, and so does every daemon's
// (through its directory): [Survivors] finds the processes that carry it,
// so that a test binary can fail when one outlived the tests, and
// [KillSurvivors] ends them.
//
// The package runs on Linux only: it reads /proc. Its functions share no
// state and may be called concurrently; a Recorder is safe for concurrent
// use.
package supervisortest
