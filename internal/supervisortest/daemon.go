//go:build linux

package supervisortest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// Kind names a daemon: procman or supervisord.
type Kind string

// The daemons.
const (
	Procman     Kind = "procman"
	Supervisord Kind = "supervisord"
)

// ConfName is the name of a daemon's configuration file in its directory.
const ConfName = "supervisord.conf"

// Config returns a configuration, for either daemon, that serves
// supervisord's XML-RPC interface on a unix socket in the directory of the
// file (%(here)s), keeps its log, pid file and the children's AUTO logs
// there, followed by sections (the programs).
func Config(sections string) string {
	return `[unix_http_server]
file = %(here)s/supervisor.sock

[supervisord]
logfile = %(here)s/daemon.log
pidfile = %(here)s/daemon.pid
childlogdir = %(here)s
identifier = supervisortest
minfds = 256
minprocs = 32

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl = unix://%(here)s/supervisor.sock

` + sections
}

// Daemon is a procman or a supervisord that Start started.
type Daemon struct {
	// Kind is which daemon it is.
	Kind Kind
	// Dir is its directory, and Conf its configuration file there.
	Dir, Conf string
	// Client calls its XML-RPC interface on its unix socket.
	Client *xmlrpc.Client

	cmd    *exec.Cmd
	out    *os.File
	exited chan struct{} // closed when the daemon has exited
	err    error         // how it exited, once exited is closed
}

// Start writes conf to dir/supervisord.conf and runs bin, a procman or a
// supervisord, on it in the foreground (-n), its output in
// dir/daemon.out. It returns once the daemon answers on its socket in the
// RUNNING state, or with an error when it exits first or ctx ends.
func Start(ctx context.Context, kind Kind, bin, dir, conf string) (*Daemon, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("supervisortest: %w", err)
	}
	d := &Daemon{Kind: kind, Dir: dir, Conf: filepath.Join(dir, ConfName), exited: make(chan struct{})}
	if err := os.WriteFile(d.Conf, []byte(conf), 0o644); err != nil {
		return nil, fmt.Errorf("supervisortest: %w", err)
	}
	out, err := os.Create(filepath.Join(dir, "daemon.out"))
	if err != nil {
		return nil, fmt.Errorf("supervisortest: %w", err)
	}
	d.out = out
	d.cmd = exec.Command(bin, "-n", "-c", d.Conf)
	d.cmd.Dir = dir
	d.cmd.Stdout, d.cmd.Stderr = out, out
	if err := d.cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("supervisortest: start %s: %w", kind, err)
	}
	go func() {
		d.err = d.cmd.Wait()
		out.Close()
		close(d.exited)
	}()
	d.Client, err = xmlrpc.NewClient("unix://"+filepath.Join(dir, "supervisor.sock"), nil)
	if err != nil {
		d.Kill()
		return nil, fmt.Errorf("supervisortest: %w", err)
	}
	if err := d.waitReady(ctx); err != nil {
		d.Kill()
		return nil, err
	}
	return d, nil
}

// waitReady polls getState until the daemon says it is RUNNING.
func (d *Daemon) waitReady(ctx context.Context) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		var st struct {
			Code int    `xmlrpc:"statecode"`
			Name string `xmlrpc:"statename"`
		}
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		err := d.Client.Call(cctx, "supervisor.getState", nil, &st)
		cancel()
		if err == nil && st.Code == 1 {
			return nil
		}
		select {
		case <-d.exited:
			return fmt.Errorf("supervisortest: %s exited at start (%v): %s", d.Kind, d.err, d.Output())
		case <-ctx.Done():
			return fmt.Errorf("supervisortest: %s did not answer (last: %v): %w", d.Kind, err, ctx.Err())
		case <-tick.C:
		}
	}
}

// Pid returns the daemon's pid.
func (d *Daemon) Pid() int { return d.cmd.Process.Pid }

// Output returns what the daemon printed so far.
func (d *Daemon) Output() string {
	b, _ := os.ReadFile(filepath.Join(d.Dir, "daemon.out"))
	return string(b)
}

// Exited is closed when the daemon has exited.
func (d *Daemon) Exited() <-chan struct{} { return d.exited }

// Call calls method on the daemon.
func (d *Daemon) Call(ctx context.Context, method string, args []any, reply any) error {
	return d.Client.Call(ctx, method, args, reply)
}

// ProcessInfo is the part of getProcessInfo's answer these tools read.
type ProcessInfo struct {
	Name        string `xmlrpc:"name"`
	Group       string `xmlrpc:"group"`
	State       string `xmlrpc:"statename"`
	Pid         int    `xmlrpc:"pid"`
	Description string `xmlrpc:"description"`
	ExitStatus  int    `xmlrpc:"exitstatus"`
	SpawnErr    string `xmlrpc:"spawnerr"`
	Logfile     string `xmlrpc:"stdout_logfile"`
}

// Infos returns getAllProcessInfo's answer, by "group:name".
func (d *Daemon) Infos(ctx context.Context) (map[string]ProcessInfo, error) {
	var infos []ProcessInfo
	if err := d.Call(ctx, "supervisor.getAllProcessInfo", nil, &infos); err != nil {
		return nil, err
	}
	m := make(map[string]ProcessInfo, len(infos))
	for _, i := range infos {
		m[i.Group+":"+i.Name] = i
	}
	return m, nil
}

// WaitStates polls getAllProcessInfo until every process of want
// ("group:name") is in its state, or ctx ends.
func (d *Daemon) WaitStates(ctx context.Context, want map[string]string) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		infos, err := d.Infos(ctx)
		var off []string
		if err == nil {
			for name, state := range want {
				if got := infos[name].State; got != state {
					off = append(off, fmt.Sprintf("%s is %q, not %s", name, got, state))
				}
			}
			if len(off) == 0 {
				return nil
			}
		}
		select {
		case <-d.exited:
			return fmt.Errorf("supervisortest: %s exited (%v): %s", d.Kind, d.err, d.Output())
		case <-ctx.Done():
			sort.Strings(off)
			return fmt.Errorf("supervisortest: %s: %s (%v): %w", d.Kind, strings.Join(off, "; "), err, ctx.Err())
		case <-tick.C:
		}
	}
}

// Stop asks the daemon to exit with SIGTERM, as an init system would, and
// waits for it; after grace it kills the daemon and every process left
// that carries token. It returns how the daemon exited: nil for status 0.
func (d *Daemon) Stop(grace time.Duration, token string) error {
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(grace):
		d.Kill()
		KillSurvivors(token)
		return fmt.Errorf("supervisortest: %s did not exit within %v of SIGTERM; killed", d.Kind, grace)
	}
	d.Client.Close()
	return d.err
}

// Kill kills the daemon with SIGKILL and waits for it. Its children are
// left: see KillSurvivors.
func (d *Daemon) Kill() {
	d.cmd.Process.Kill()
	<-d.exited
	if d.Client != nil {
		d.Client.Close()
	}
}

// BuildProcman builds cmd/procman into dir and returns the binary's path.
// The go command must be on PATH; the caller's working directory must be in
// the module.
func BuildProcman(ctx context.Context, dir string) (string, error) {
	gocmd, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("supervisortest: building procman: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("supervisortest: %w", err)
	}
	bin := filepath.Join(dir, "procman")
	cmd := exec.CommandContext(ctx, gocmd, "build", "-o", bin, "github.com/dmicro-go/dmicro/cmd/procman")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("supervisortest: building procman: %w\n%s", err, out)
	}
	return bin, nil
}

// ErrNoSupervisord is returned by FindSupervisord when supervisord is not
// on PATH.
var ErrNoSupervisord = errors.New("supervisortest: supervisord is not on PATH: apt-get install supervisor")

// FindSupervisord returns the path of supervisord.
func FindSupervisord() (string, error) {
	p, err := exec.LookPath("supervisord")
	if err != nil {
		return "", ErrNoSupervisord
	}
	return p, nil
}
