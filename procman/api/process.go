package api

import (
	"context"
	"errors"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/dmicro-go/dmicro/procman"
	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// isRunning is supervisord's RUNNING_STATES.
func isRunning(s procman.State) bool {
	return s == procman.StateRunning || s == procman.StateBackoff || s == procman.StateStarting
}

// splitName splits supervisord's namespec "group:name" (a name alone is
// "name:name").
func splitName(spec string) (group, name string) {
	group, name, ok := strings.Cut(spec, ":")
	if !ok {
		return spec, spec
	}
	if name == "" {
		name = "*"
	}
	return group, name
}

// infoOf returns the info of a process named by a namespec, or a BAD_NAME
// fault.
func (h *handler) infoOf(spec string) (procman.ProcessInfo, error) {
	g, n := splitName(spec)
	info, err := h.sup.Info(g + ":" + n)
	if err != nil {
		return procman.ProcessInfo{}, fault(err, spec)
	}
	return info, nil
}

func (h *handler) startProcess(ctx context.Context, spec string, wait ...bool) (any, error) {
	if g, n := splitName(spec); n == "*" {
		return h.startProcessGroup(ctx, g, wait...)
	}
	info, err := h.infoOf(spec)
	if err != nil {
		return false, err
	}
	if err := h.sup.Start(ctx, info.FullName, len(wait) == 0 || wait[0]); err != nil {
		return false, fault(err, spec)
	}
	return true, nil
}

func (h *handler) stopProcess(ctx context.Context, spec string, wait ...bool) (any, error) {
	if g, n := splitName(spec); n == "*" {
		return h.stopProcessGroup(ctx, g, wait...)
	}
	info, err := h.infoOf(spec)
	if err != nil {
		return false, err
	}
	if err := h.sup.Stop(ctx, info.FullName, len(wait) == 0 || wait[0]); err != nil {
		return false, fault(err, spec)
	}
	return true, nil
}

// result is the status of one process in the answer of a group call.
type result struct {
	Name        string `xmlrpc:"name"`
	Group       string `xmlrpc:"group"`
	Status      int    `xmlrpc:"status"`
	Description string `xmlrpc:"description"`
}

// each runs f on the processes of infos that pred accepts, in order, and
// collects supervisord's results.
func each(infos []procman.ProcessInfo, pred func(procman.ProcessInfo) bool, f func(procman.ProcessInfo) error) []result {
	out := []result{}
	for _, i := range infos {
		if !pred(i) {
			continue
		}
		r := result{Name: i.Name, Group: i.Group, Status: xmlrpc.FaultSuccess, Description: "OK"}
		if err := f(i); err != nil {
			fl := xmlrpc.FaultOf(err)
			r.Status, r.Description = fl.Code, fl.String
		}
		out = append(out, r)
	}
	return out
}

// members returns the processes of a group, or BAD_NAME.
func (h *handler) members(group string) ([]procman.ProcessInfo, error) {
	var out []procman.ProcessInfo
	for _, i := range h.sup.Infos() {
		if i.Group == group {
			out = append(out, i)
		}
	}
	if len(out) == 0 {
		return nil, xmlrpc.Faultf(xmlrpc.FaultBadName, "%s", group)
	}
	return h.ordered(out), nil
}

func (h *handler) startProcessGroup(ctx context.Context, group string, wait ...bool) (any, error) {
	infos, err := h.members(group)
	if err != nil {
		return nil, err
	}
	return h.startEach(ctx, infos, wait), nil
}

func (h *handler) startAllProcesses(ctx context.Context, wait ...bool) (any, error) {
	return h.startEach(ctx, h.byPriority(), wait), nil
}

func (h *handler) startEach(ctx context.Context, infos []procman.ProcessInfo, wait []bool) []result {
	w := len(wait) == 0 || wait[0]
	return each(infos, func(i procman.ProcessInfo) bool { return !isRunning(i.State) }, func(i procman.ProcessInfo) error {
		return fault(h.sup.Start(ctx, i.FullName, w), i.FullName)
	})
}

func (h *handler) stopProcessGroup(ctx context.Context, group string, wait ...bool) (any, error) {
	infos, err := h.members(group)
	if err != nil {
		return nil, err
	}
	return h.stopEach(ctx, infos, wait), nil
}

// stopAllProcesses stops every process in the same order as
// startAllProcesses starts them, as supervisord 4.2 does (only its own
// shutdown goes in reverse).
func (h *handler) stopAllProcesses(ctx context.Context, wait ...bool) (any, error) {
	return h.stopEach(ctx, h.byPriority(), wait), nil
}

func (h *handler) stopEach(ctx context.Context, infos []procman.ProcessInfo, wait []bool) []result {
	w := len(wait) == 0 || wait[0]
	return each(infos, func(i procman.ProcessInfo) bool { return isRunning(i.State) }, func(i procman.ProcessInfo) error {
		return fault(h.sup.Stop(ctx, i.FullName, w), i.FullName)
	})
}

// byPriority returns every process in the order supervisord's start and
// stop of all go: the order of the configuration as last read (groups by
// priority and name, a group's processes in the order of its programs=),
// then, for processes the configuration no longer has, by name.
func (h *handler) byPriority() []procman.ProcessInfo { return h.ordered(h.sup.Infos()) }

// ordered sorts infos in the configuration's order; see byPriority.
func (h *handler) ordered(infos []procman.ProcessInfo) []procman.ProcessInfo {
	h.mu.Lock()
	pos := make(map[string]int, len(h.programs))
	for i, p := range h.programs {
		pos[p.Name] = i
	}
	h.mu.Unlock()
	at := func(i procman.ProcessInfo) int {
		if n, ok := pos[i.Program]; ok {
			return n
		}
		return len(pos)
	}
	slices.SortStableFunc(infos, func(a, b procman.ProcessInfo) int {
		if d := at(a) - at(b); d != 0 {
			return d
		}
		return strings.Compare(a.FullName, b.FullName)
	})
	return infos
}

// parseSignal reads a signal as supervisord does, or a BAD_SIGNAL fault.
func parseSignal(s string) (syscall.Signal, error) {
	n, err := procman.ParseSignal(s)
	if err != nil {
		return 0, xmlrpc.Faultf(xmlrpc.FaultBadSignal, "%s", s)
	}
	return n, nil
}

func (h *handler) signalProcess(ctx context.Context, spec, sig string) (any, error) {
	if g, n := splitName(spec); n == "*" {
		return h.signalProcessGroup(ctx, g, sig)
	}
	n, err := parseSignal(sig)
	if err != nil {
		return false, err
	}
	info, err := h.infoOf(spec)
	if err != nil {
		return false, err
	}
	if err := h.sup.Signal(info.FullName, n); err != nil {
		return false, fault(err, spec)
	}
	return true, nil
}

func (h *handler) signalProcessGroup(ctx context.Context, group, sig string) (any, error) {
	n, err := parseSignal(sig)
	if err != nil {
		return nil, err
	}
	infos, err := h.members(group)
	if err != nil {
		return nil, err
	}
	return h.signalEach(infos, n), nil
}

func (h *handler) signalAllProcesses(ctx context.Context, sig string) (any, error) {
	n, err := parseSignal(sig)
	if err != nil {
		return nil, err
	}
	return h.signalEach(h.byPriority(), n), nil
}

func (h *handler) signalEach(infos []procman.ProcessInfo, sig syscall.Signal) []result {
	return each(infos, func(i procman.ProcessInfo) bool { return isRunning(i.State) }, func(i procman.ProcessInfo) error {
		return fault(h.sup.Signal(i.FullName, sig), i.FullName)
	})
}

// processInfo is getProcessInfo's struct.
type processInfo struct {
	Name          string `xmlrpc:"name"`
	Group         string `xmlrpc:"group"`
	Description   string `xmlrpc:"description"`
	Start         int64  `xmlrpc:"start"`
	Stop          int64  `xmlrpc:"stop"`
	Now           int64  `xmlrpc:"now"`
	State         int    `xmlrpc:"state"`
	StateName     string `xmlrpc:"statename"`
	SpawnErr      string `xmlrpc:"spawnerr"`
	ExitStatus    int    `xmlrpc:"exitstatus"`
	Logfile       string `xmlrpc:"logfile"`
	StdoutLogfile string `xmlrpc:"stdout_logfile"`
	StderrLogfile string `xmlrpc:"stderr_logfile"`
	Pid           int    `xmlrpc:"pid"`
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return min(t.Unix(), 1<<31-1)
}

func toInfo(i procman.ProcessInfo) processInfo {
	exit := max(i.ExitStatus, 0)
	return processInfo{
		Name: i.Name, Group: i.Group, Description: i.Description,
		Start: unix(i.Start), Stop: unix(i.Stop), Now: unix(time.Now()),
		State: int(i.State), StateName: i.State.String(), SpawnErr: i.SpawnErr, ExitStatus: exit,
		Logfile: i.StdoutLog, StdoutLogfile: i.StdoutLog, StderrLogfile: i.StderrLog, Pid: i.Pid,
	}
}

func (h *handler) getProcessInfo(_ context.Context, spec string) (processInfo, error) {
	info, err := h.infoOf(spec)
	if err != nil {
		return processInfo{}, err
	}
	return toInfo(info), nil
}

func (h *handler) getAllProcessInfo(context.Context) ([]processInfo, error) {
	infos := h.sup.Infos()
	out := make([]processInfo, len(infos))
	for i, info := range infos {
		out[i] = toInfo(info)
	}
	return out, nil
}

// getAllConfigInfo describes the configuration as last read, a struct a
// process, for supervisorctl's avail.
func (h *handler) getAllConfigInfo(context.Context) ([]map[string]any, error) {
	h.mu.Lock()
	progs := slices.Clone(h.programs)
	h.mu.Unlock()
	running, _ := groups(h.sup.Programs())
	var out []map[string]any
	for _, p := range progs {
		group := p.Group
		if group == "" {
			group = p.Name
		}
		_, inuse := running[group]
		n := max(p.NumProcs, 1)
		for k := range n {
			name := p.Name
			if p.ProcessName != "" {
				name = procman.Expand(p.ProcessName, map[string]any{"program_name": p.Name, "group_name": group, "process_num": p.NumProcsStart + k})
			}
			out = append(out, map[string]any{
				"name": name, "group": group, "inuse": inuse, "autostart": p.AutoStart,
				"command":      strings.Join(append([]string{p.Command}, p.Args...), " "),
				"process_prio": p.Priority, "group_prio": p.Priority,
				"startsecs": int(p.StartPeriod / time.Second), "startretries": p.StartRetries,
				"stopsignal": int(p.StopSignal), "stopwaitsecs": int(p.StopWait / time.Second),
				"killasgroup": p.KillAsGroup, "redirect_stderr": p.RedirectStderr,
				"stdout_logfile": p.Stdout.File, "stderr_logfile": p.Stderr.File,
				"directory": p.Dir, "exitcodes": p.ExitCodes,
			})
		}
	}
	slices.SortStableFunc(out, func(a, b map[string]any) int { return strings.Compare(a["name"].(string), b["name"].(string)) })
	return out, nil
}

func (h *handler) readLogOf(stream procman.Stream) func(context.Context, string, int64, int64) (string, error) {
	return func(_ context.Context, spec string, offset, length int64) (string, error) {
		info, err := h.infoOf(spec)
		if err != nil {
			return "", err
		}
		b, err := h.sup.ReadLog(info.FullName, stream, offset, length)
		if err != nil {
			if errors.Is(err, procman.ErrNoLog) || errors.Is(err, procman.ErrBadName) {
				return "", fault(err, spec)
			}
			return "", xmlrpc.Faultf(xmlrpc.FaultBadArguments, "%v", err)
		}
		return string(b), nil
	}
}

func (h *handler) tailLogOf(stream procman.Stream) func(context.Context, string, int64, int64) ([]any, error) {
	return func(_ context.Context, spec string, offset, length int64) ([]any, error) {
		info, err := h.infoOf(spec)
		if err != nil {
			return nil, err
		}
		b, next, overflow, err := h.sup.TailLog(info.FullName, stream, offset, length)
		if errors.Is(err, procman.ErrNoLog) {
			return []any{"", 0, false}, nil
		}
		if err != nil {
			return nil, xmlrpc.Faultf(xmlrpc.FaultBadArguments, "%v", err)
		}
		return []any{string(b), int(min(next, 1<<31-1)), overflow}, nil
	}
}
