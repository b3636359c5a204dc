//go:build unix

package procman

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// sysProcs is the part of the supervisor that talks to the operating
// system: it starts children in process groups of their own, signals them,
// and (on Linux, see sys_linux.go) finds their descendants and reaps the
// orphans that fall to the supervisor.
type sysProcs struct {
	sup *Supervisor

	mu      sync.Mutex   // held across a child's start and the reaper's scans
	started map[int]bool // pids started with exec, which exec.Cmd.Wait reaps
}

// tagEnv is the environment variable that marks a child and every
// descendant that keeps its environment, so that they are found when the
// child stops even if they left its process group.
const tagEnv = "PROCMAN_PROCESS"

// resolve returns the path of the program's command, looked up in the PATH
// of its environment when it has no slash.
func resolve(prog *Program) (string, error) {
	cmd := prog.Command
	if !strings.Contains(cmd, "/") {
		path := envValue(prog.Env, "PATH")
		if path == "" && !prog.CleanEnv {
			path = os.Getenv("PATH")
		}
		for _, dir := range filepath.SplitList(path) {
			if dir == "" {
				dir = "."
			}
			cand := filepath.Join(dir, cmd)
			if fi, err := os.Stat(cand); err == nil && !fi.IsDir() {
				cmd = cand
				break
			}
		}
		if !strings.Contains(cmd, "/") {
			return "", fmt.Errorf("%w: %q is not in PATH", ErrNoFile, prog.Command)
		}
	} else if prog.Dir != "" && !filepath.IsAbs(cmd) {
		cmd = filepath.Join(prog.Dir, cmd)
	}
	fi, err := os.Stat(cmd)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("%w: %s", ErrNoFile, cmd)
	case err != nil:
		return "", fmt.Errorf("%w: %s: %v", ErrNotExecutable, cmd, err)
	case fi.IsDir():
		return "", fmt.Errorf("%w: %s is a directory", ErrNotExecutable, cmd)
	case fi.Mode()&0o111 == 0:
		return "", fmt.Errorf("%w: %s has no execute permission", ErrNotExecutable, cmd)
	}
	return cmd, nil
}

func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// checkCommand reports a command that cannot be started.
func (s *sysProcs) checkCommand(prog *Program) error {
	_, err := resolve(prog)
	return err
}

// environ returns the environment of a child of p marked tag.
func environ(p *process, tag string) []string {
	var env []string
	if !p.prog.CleanEnv {
		env = os.Environ()
	}
	env = append(env, p.prog.Env...)
	return append(env,
		"SUPERVISOR_ENABLED=1",
		"SUPERVISOR_PROCESS_NAME="+p.name,
		"SUPERVISOR_GROUP_NAME="+p.prog.Group,
		tagEnv+"="+tag,
	)
}

// start starts a child of p marked tag, its output going to p's outputs.
func (s *sysProcs) start(p *process, tag string) (*exec.Cmd, error) {
	path, err := resolve(&p.prog)
	if err != nil {
		return nil, err
	}
	args := p.prog.Args
	if p.prog.Umask != nil {
		// The umask is the process's, and Go sets it for no child alone:
		// a shell sets it and replaces itself with the command.
		args = append([]string{"-c", fmt.Sprintf("umask %04o && exec \"$0\" \"$@\"", *p.prog.Umask), path}, args...)
		path = "/bin/sh"
	}
	cmd := exec.Command(path, args...)
	cmd.Args[0] = p.prog.Command
	if p.prog.Umask != nil {
		cmd.Args[0] = "sh"
	}
	cmd.Env = environ(p, tag)
	cmd.Dir = p.prog.Dir
	cmd.ExtraFiles = p.prog.ExtraFiles
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if cred, err := credential(p.prog.User, p.prog.UserGroup); err != nil {
		return nil, err
	} else if cred != nil {
		cmd.SysProcAttr.Credential = cred
	}
	closeW, err := p.pipes(cmd)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	err = cmd.Start()
	if err == nil {
		s.started[cmd.Process.Pid] = true
	}
	s.mu.Unlock()
	closeW()
	if err != nil {
		p.stdout.abandon()
		p.err.abandon()
		return nil, err
	}
	p.stdout.begin()
	if p.err != p.stdout {
		p.err.begin()
	}
	return cmd, nil
}

// reaped forgets a child that exec.Cmd.Wait has reaped.
func (s *sysProcs) reaped(cmd *exec.Cmd) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.started, cmd.Process.Pid)
}

// signal sends sig to pid, or to its process group.
func (s *sysProcs) signal(pid int, sig syscall.Signal, group bool) error {
	if pid <= 0 {
		return nil
	}
	if group {
		return syscall.Kill(-pid, sig)
	}
	return syscall.Kill(pid, sig)
}

// credential returns the credential that runs a child as user and group,
// or nil for the supervisor's own.
func credential(userName, groupName string) (*syscall.Credential, error) {
	if userName == "" && groupName == "" {
		return nil, nil
	}
	uid, gid := os.Getuid(), os.Getgid()
	var groups []uint32
	if userName != "" {
		u, err := lookupUser(userName)
		if err != nil {
			return nil, err
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		if ids, err := u.GroupIds(); err == nil {
			for _, id := range ids {
				if n, err := strconv.Atoi(id); err == nil {
					groups = append(groups, uint32(n))
				}
			}
		}
	}
	if groupName != "" {
		g, err := user.LookupGroup(groupName)
		if err != nil {
			g, err = user.LookupGroupId(groupName)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: group %q: %v", ErrConfig, groupName, err)
		}
		gid, _ = strconv.Atoi(g.Gid)
	}
	if os.Getuid() != 0 {
		if uid != os.Getuid() || gid != os.Getgid() {
			return nil, fmt.Errorf("%w: user %q: the supervisor is not root and cannot switch users", ErrConfig, userName)
		}
		return nil, nil
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: groups}, nil
}

func lookupUser(name string) (*user.User, error) {
	u, err := user.Lookup(name)
	if err != nil {
		u, err = user.LookupId(name)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: user %q: %v", ErrConfig, name, err)
	}
	return u, nil
}
