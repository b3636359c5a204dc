package procman

import (
	"bytes"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// On Linux the supervisor makes itself a child subreaper
// (PR_SET_CHILD_SUBREAPER): the orphans of its children's descendants, a
// daemon that a child forked and left, become its own children instead of
// init's. Such a process is found by the mark in its environment (tagEnv)
// and killed when the child it came from stops or ends, and reaped when it
// exits: by its pid alone, never by waiting for any child, so that the
// exit statuses of the children it started stay exec.Cmd.Wait's.

const prSetChildSubreaper = 36

// init makes the process a subreaper and starts the reaper.
func (s *sysProcs) init() error {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		s.sup.log.Warn("procman: cannot become a child subreaper; descendants that leave their process group are not tracked", "err", errno)
		return nil
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGCHLD)
	if !s.sup.owner.start(func() { s.reapLoop(sigs) }) {
		signal.Stop(sigs)
	}
	return nil
}

// reapLoop reaps orphans when a child changes state, and every few
// seconds in case a signal was coalesced with another.
func (s *sysProcs) reapLoop(sigs chan os.Signal) {
	defer signal.Stop(sigs)
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-sigs:
		case <-t.C:
		case <-s.sup.closed:
			s.reapOrphans()
			return
		}
		s.reapOrphans()
	}
}

// reapOrphans reaps the children of the supervisor that exec did not start
// (orphans that fell to it) and have exited.
func (s *sysProcs) reapOrphans() {
	s.mu.Lock()
	defer s.mu.Unlock()
	self := os.Getpid()
	for _, pr := range procTable() {
		if pr.ppid != self || pr.state != 'Z' || s.started[pr.pid] {
			continue
		}
		var ws syscall.WaitStatus
		syscall.Wait4(pr.pid, &ws, syscall.WNOHANG, nil)
	}
}

// signalTagged sends sig to every live descendant of the supervisor marked
// tag, but the children it started (which are signalled by pid), and
// returns how many.
func (s *sysProcs) signalTagged(tag string, sig syscall.Signal) int {
	want := []byte(tagEnv + "=" + tag + "\x00")
	s.mu.Lock()
	started := make(map[int]bool, len(s.started))
	for pid := range s.started {
		started[pid] = true
	}
	s.mu.Unlock()
	n := 0
	for _, pid := range descendants(os.Getpid()) {
		if started[pid] {
			continue
		}
		env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
		if err != nil || !bytes.Contains(append([]byte{0}, env...), append([]byte{0}, want...)) {
			continue
		}
		if syscall.Kill(pid, sig) == nil {
			n++
		}
	}
	return n
}

// procEntry is what /proc/PID/stat says of a process.
type procEntry struct {
	pid, ppid int
	state     byte
}

// procTable reads every process's pid, parent and state.
func procTable() []procEntry {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	out := make([]procEntry, 0, len(names))
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + name + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 || i+4 > len(b) {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		out = append(out, procEntry{pid: pid, ppid: ppid, state: f[0][0]})
	}
	return out
}

// descendants returns the live descendants of pid.
func descendants(pid int) []int {
	children := make(map[int][]int)
	for _, pr := range procTable() {
		if pr.state != 'Z' {
			children[pr.ppid] = append(children[pr.ppid], pr.pid)
		}
	}
	var out []int
	queue := children[pid]
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		out = append(out, p)
		queue = append(queue, children[p]...)
	}
	return out
}
