package loadgen

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"time"
)

// Usage is what a process has spent: CPU time, user and system together,
// and the read- and write-family system calls it made (-1 where the
// system does not tell, as anywhere but Linux).
type Usage struct {
	CPU      time.Duration `json:"cpu_ns"`
	SysRead  int64         `json:"syscr"`
	SysWrite int64         `json:"syscw"`
}

// Self returns the usage of this process so far.
func Self() Usage {
	u := Usage{CPU: cpuTime(), SysRead: -1, SysWrite: -1}
	f, err := os.Open("/proc/self/io")
	if err != nil {
		return u
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "syscr":
			u.SysRead = n
		case "syscw":
			u.SysWrite = n
		}
	}
	return u
}

// Sub returns u - v: what was spent between two readings.
func (u Usage) Sub(v Usage) Usage {
	d := Usage{CPU: u.CPU - v.CPU, SysRead: -1, SysWrite: -1}
	if u.SysRead >= 0 && v.SysRead >= 0 {
		d.SysRead, d.SysWrite = u.SysRead-v.SysRead, u.SysWrite-v.SysWrite
	}
	return d
}
