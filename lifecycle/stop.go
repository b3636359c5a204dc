package lifecycle

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"
)

// stopCommand stops the running app: it asks it to stop over the control
// socket, waits until the process is gone, and kills it (and its process
// group, if it leads one) when it is not gone within o.timeout.
func (a *App) stopCommand(ctx context.Context, o options, cfg appConfig, stdout, stderr io.Writer) int {
	info, err := queryCtl(ctx, cfg.ctl)
	if err != nil {
		pid, perr := readPidFile(cfg.pid)
		switch {
		case perr != nil:
			fmt.Fprintf(stderr, "%s: %v\n", a.Name, perr)
			return ExitFailed
		case pid != 0 && processAlive(pid):
			fmt.Fprintf(stderr, "%s: pid %d of %s is alive but does not answer on %s; not stopping it (kill it yourself if it is the app)\n", a.Name, pid, cfg.pid, cfg.ctl)
			return ExitFailed
		case pid != 0:
			os.Remove(cfg.pid)
			fmt.Fprintf(stdout, "%s is not running (removed the stale pid file %s)\n", a.Name, cfg.pid)
			return ExitNotRunning
		}
		fmt.Fprintf(stdout, "%s is not running\n", a.Name)
		return ExitNotRunning
	}
	c, err := dialCtl(ctx, cfg.ctl, nil)
	if err == nil {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = c.call(cctx, ctlQuit, struct{}{}, nil)
		cancel()
		c.close()
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: asking pid %d to stop: %v; sending SIGTERM\n", a.Name, info.Pid, err)
		terminate(info.Pid)
	}
	deadline := time.Now().Add(o.timeout)
	for processAlive(info.Pid) {
		if time.Now().After(deadline) {
			fmt.Fprintf(stderr, "%s: pid %d did not stop within %v; killing it\n", a.Name, info.Pid, o.timeout)
			forceKill(info.Pid)
			waitGone(info.Pid, 5*time.Second)
			removeOwnerPidFile(cfg.pid, info.Pid)
			fmt.Fprintf(stdout, "%s killed (pid %d)\n", a.Name, info.Pid)
			return ExitFailed
		}
		time.Sleep(20 * time.Millisecond) // polling the pid: there is no wait for a process that is not our child
	}
	fmt.Fprintf(stdout, "%s stopped (pid %d)\n", a.Name, info.Pid)
	return ExitOK
}

// waitGone waits until pid is gone or d has passed.
func waitGone(pid int, d time.Duration) {
	deadline := time.Now().Add(d)
	for processAlive(pid) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
}

// removeOwnerPidFile removes path if it names pid.
func removeOwnerPidFile(path string, pid int) {
	if p, err := readPidFile(path); err == nil && p == pid {
		os.Remove(path)
	}
}
