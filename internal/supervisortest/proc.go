//go:build linux

package supervisortest

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is the unit of utime and stime in /proc/PID/stat: USER_HZ,
// which Linux fixes at 100 a second for user space.
const clockTick = 10 * time.Millisecond

// Usage is what a process has used: CPU time, user and system, since it
// started, and its resident memory now.
type Usage struct {
	CPU time.Duration
	RSS int64 // bytes
}

// ReadUsage reads the usage of process pid from /proc/PID/stat (utime +
// stime) and /proc/PID/status (VmRSS). Its children are not counted.
func ReadUsage(pid int) (Usage, error) {
	var u Usage
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return u, fmt.Errorf("supervisortest: %w", err)
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from the last ')'. The state is field 3; utime and stime 14 and 15.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return u, fmt.Errorf("supervisortest: /proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return u, fmt.Errorf("supervisortest: /proc/%d/stat: %d fields", pid, len(f)+2)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return u, fmt.Errorf("supervisortest: /proc/%d/stat: bad utime or stime", pid)
	}
	u.CPU = time.Duration(utime+stime) * clockTick
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return u, fmt.Errorf("supervisortest: %w", err)
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return u, fmt.Errorf("supervisortest: /proc/%d/status: bad VmRSS %q", pid, v)
			}
			u.RSS = kb << 10
		}
	}
	return u, nil
}

// Survivors returns the pids of the processes, other than the caller,
// whose command line contains token.
func Survivors(token string) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !bytes.Contains(cmdline, []byte(token)) {
			continue
		}
		if st, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil {
			if i := bytes.LastIndexByte(st, ')'); i >= 0 && bytes.HasPrefix(st[i+1:], []byte(" Z")) {
				continue // a zombie: it has exited, and waits for its parent
			}
		}
		pids = append(pids, pid)
	}
	return pids
}

// KillSurvivors kills with SIGKILL every process that Survivors finds, and
// returns their pids.
func KillSurvivors(token string) []int {
	pids := Survivors(token)
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	return pids
}
