package lifecycle

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The environment by which a process hands its sockets to the one it
// starts (a reload, a detached start, a service's child process).
const (
	// envSockets lists the passed sockets as JSON ([{network, addr}]);
	// the i-th is at fd 3+i.
	envSockets = "DMICRO_LIFECYCLE_SOCKETS"
	// envReady is the fd of the pipe on which the child reports ready
	// ("ready\n") or why it failed ("error <text>\n").
	envReady = "DMICRO_LIFECYCLE_READY"
	// envRole says why the process was started: roleReload, roleDetach
	// or roleService.
	envRole = "DMICRO_LIFECYCLE_ROLE"
	// envService names the service a multi-process child runs.
	envService = "DMICRO_LIFECYCLE_SERVICE"
)

// The roles of a started process.
const (
	roleReload  = "reload"
	roleDetach  = "detach"
	roleService = "service"
)

// inheritance is what a process was handed by the one that started it.
type inheritance struct {
	role    string
	service string
	ready   *os.File
	sockets map[string]*os.File
}

// inherit reads the handoff environment. It returns a zero inheritance
// for a process started by hand.
func inherit(environ []string) (inheritance, error) {
	var in inheritance
	get := func(name string) string {
		for _, kv := range environ {
			if v, ok := strings.CutPrefix(kv, name+"="); ok {
				return v
			}
		}
		return ""
	}
	in.role = get(envRole)
	in.service = get(envService)
	if v := get(envReady); v != "" {
		fd, err := strconv.Atoi(v)
		if err != nil || fd < 3 {
			return in, fmt.Errorf("%w: %s=%q", ErrHandoff, envReady, v)
		}
		in.ready = os.NewFile(uintptr(fd), "ready pipe")
	}
	if v := get(envSockets); v != "" {
		var list []passed
		if err := json.Unmarshal([]byte(v), &list); err != nil {
			return in, fmt.Errorf("%w: %s: %v", ErrHandoff, envSockets, err)
		}
		in.sockets = make(map[string]*os.File, len(list))
		for i, p := range list {
			key, err := socketKey(p.Network, p.Addr)
			if err != nil {
				return in, fmt.Errorf("%w: %s: %v", ErrHandoff, envSockets, err)
			}
			in.sockets[key] = os.NewFile(uintptr(3+i), key)
		}
	}
	return in, nil
}

// withoutHandoff returns environ without the handoff variables, for a
// process this one starts.
func withoutHandoff(environ []string) []string {
	out := make([]string, 0, len(environ)+4)
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case envSockets, envReady, envRole, envService:
			continue
		}
		out = append(out, kv)
	}
	return out
}

// reportReady tells the process that started this one that it is ready,
// and closes the pipe. It does nothing for a process started by hand.
func (in *inheritance) reportReady() {
	if in.ready == nil {
		return
	}
	in.ready.WriteString("ready\n")
	in.ready.Close()
	in.ready = nil
}

// reportFailure tells the process that started this one why it failed.
func (in *inheritance) reportFailure(err error) {
	if in.ready == nil {
		return
	}
	msg := strings.ReplaceAll(err.Error(), "\n", "; ")
	in.ready.WriteString("error " + msg + "\n")
	in.ready.Close()
	in.ready = nil
}

// readReport reads a child's report from the read end of its pipe: nil
// once it is ready, the child's error, or errNoReport if the pipe closed
// without one (the child exited or closed it).
func readReport(r *os.File) error {
	line, err := bufio.NewReader(r).ReadString('\n')
	switch {
	case line == "ready\n":
		return nil
	case strings.HasPrefix(line, "error "):
		return errors.New(strings.TrimSuffix(strings.TrimPrefix(line, "error "), "\n"))
	case err != nil:
		return errNoReport
	}
	return fmt.Errorf("%w: bad report %q", ErrHandoff, line)
}

var errNoReport = errors.New("it closed its ready pipe without reporting")
