// Package procman supervises processes on os/exec, in the manner of
// supervisord: a [Supervisor] runs the processes of [Program]s, keeps each
// in the state its program asks for, restarts it by its AutoRestart rule,
// backs off between failed starts, stops it with its stop signal and then
// SIGKILL, captures its output to log files rotated by size, and reports
// every state change as an [Event]. cmd/procman is a daemon built on it that
// reads supervisord's configuration files and answers supervisorctl.
//
// # States
//
// A process is in one of supervisord's states, with its numbers: STOPPED,
// STARTING, RUNNING, BACKOFF, STOPPING, EXITED, FATAL and UNKNOWN. A
// started process is STARTING until it has stayed up StartPeriod, then
// RUNNING. One that exits before that failed its start: it goes to BACKOFF
// and is started again after a back-off, or to FATAL after StartRetries
// failures in a row. One that exits from RUNNING is EXITED, expectedly or
// not (ExitCodes), and is started again by its AutoRestart rule. A stop
// sends StopSignal (STOPPING), then SIGKILL after StopWait, and ends in
// STOPPED. The transitions and their order are supervisord's, so that a
// program goes through the same sequence of states under either.
//
// # Back-off
//
// The wait before the n-th retry of a failed start is exponential with
// jitter and a cap (Backoff), or supervisord's linear n seconds
// (Backoff.Linear). Unlike supervisord, a process that keeps exiting soon
// after it became RUNNING is restarted after the same back-off, not at
// once, until it has run Backoff.ResetAfter: a crash loop never spins hot.
//
// # Process groups and descendants
//
// Each process is started in a process group of its own; StopAsGroup and
// KillAsGroup signal the whole group. On Linux the supervisor is also a
// child subreaper: the orphans of its children's descendants (a daemon
// that a child forked, which left the group with setsid) become its
// children. Every child and its descendants carry a mark in their
// environment (PROCMAN_PROCESS), so that when a child stops or exits, what
// it left behind gets its stop signal and then SIGKILL: no process
// outlives the one it came from, and no zombie is left. Orphans are reaped
// by their pids, never by waiting for any child, so that exec.Cmd.Wait
// keeps the exit statuses of the children it started. A descendant that
// clears its environment escapes the mark.
//
// On other Unix systems there is no subreaper: a descendant that left the
// group is not found. On systems without process groups and signals
// (Windows), starting a process fails with ErrUnsupported.
//
// # Logs
//
// A process's stdout and stderr (or both in one, RedirectStderr) are
// copied to log files rotated by size with a number of backups kept, never
// splitting a line across two files, and each line can be forwarded to a
// *slog.Logger. ReadLog, TailLog and FollowLog read them back, as
// supervisorctl's tail and tail -f do.
//
// # Concurrency
//
// A Supervisor is safe for concurrent use. Each process has one goroutine
// that owns its state; the Supervisor's methods ask it and wait for the
// answer. Events are delivered to each subscriber in order, from a queue
// of its own, so that a slow subscriber does not hold the supervisor back.
package procman
