package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dmicro-go/dmicro/procman"
	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// APIVersion is the version of supervisord's XML-RPC interface served;
// supervisorctl refuses a server that does not say "3.0".
const APIVersion = "3.0"

// Config sets up the interface.
type Config struct {
	// Supervisor is the supervisor served. Required.
	Supervisor *procman.Supervisor
	// Programs are the programs of the configuration the daemon started
	// with: what addProcessGroup adds from until Reread says otherwise.
	Programs []procman.Program
	// Reread reads the configuration again (supervisorctl's reread and
	// update): nil means the configuration cannot be reread (CANT_REREAD).
	Reread func() ([]procman.Program, error)
	// Shutdown and Restart are called, after the reply is sent, when a
	// client asks the daemon to exit or to restart; nil refuses the call.
	Shutdown, Restart func()
	// MainLog is the daemon's own log, for readLog and /mainlogtail; nil
	// means it has none (NO_FILE).
	MainLog Log
	// Identification is what getIdentification returns; empty means
	// "supervisor", supervisord's default identifier.
	Identification string
	// Version is what getSupervisorVersion returns; empty means "procman".
	Version string
	// Username and Password, when set, are required with HTTP basic
	// authentication, as supervisord's [unix_http_server] sets them.
	Username, Password string
	// Logger receives the interface's log; nil means none.
	Logger *slog.Logger
}

// Log is a log that can be read back: the daemon's own.
type Log interface {
	Read(offset, length int64) ([]byte, error)
	// TailFollow writes the last n bytes, then what is written from now
	// on, until ctx ends, losing nothing between the two.
	TailFollow(ctx context.Context, w io.Writer, n int64) error
}

// handler serves the interface.
type handler struct {
	cfg Config
	sup *procman.Supervisor
	rpc *xmlrpc.Server
	mux *http.ServeMux

	mu       sync.Mutex
	programs []procman.Program // the configuration as last read
}

// New returns the http.Handler that serves supervisord's XML-RPC
// interface at /RPC2 over cfg.Supervisor, and the HTTP paths of
// supervisorctl's tail -f: /logtail/NAME[/stdout|stderr] and /mainlogtail.
func New(cfg Config) (http.Handler, error) {
	if cfg.Supervisor == nil {
		return nil, errors.New("api: no Supervisor")
	}
	if cfg.Identification == "" {
		cfg.Identification = "supervisor"
	}
	if cfg.Version == "" {
		cfg.Version = "procman"
	}
	h := &handler{cfg: cfg, sup: cfg.Supervisor, rpc: &xmlrpc.Server{Logger: cfg.Logger}, mux: http.NewServeMux(), programs: slices.Clone(cfg.Programs)}
	if err := h.register(); err != nil {
		return nil, err
	}
	h.mux.Handle("/RPC2", h.rpc)
	h.mux.HandleFunc("/logtail/", h.logtail)
	h.mux.HandleFunc("/mainlogtail", h.mainlogtail)
	var out http.Handler = h.mux
	if cfg.Username != "" {
		out = xmlrpc.BasicAuth(out, cfg.Username, cfg.Password)
	}
	return out, nil
}

// register registers every method of the supervisor namespace served.
func (h *handler) register() error {
	methods := map[string]any{
		"supervisor.getAPIVersion":        h.getAPIVersion,
		"supervisor.getVersion":           h.getAPIVersion,
		"supervisor.getSupervisorVersion": func(context.Context) (string, error) { return h.cfg.Version, nil },
		"supervisor.getIdentification":    func(context.Context) (string, error) { return h.cfg.Identification, nil },
		"supervisor.getState":             h.getState,
		"supervisor.getPID":               func(context.Context) (int, error) { return os.Getpid(), nil },
		"supervisor.readLog":              h.readLog,
		"supervisor.readMainLog":          h.readLog,
		"supervisor.shutdown":             h.shutdown,
		"supervisor.restart":              h.restart,
		"supervisor.reloadConfig":         h.reloadConfig,
		"supervisor.addProcessGroup":      h.addProcessGroup,
		"supervisor.removeProcessGroup":   h.removeProcessGroup,
		"supervisor.startProcess":         h.startProcess,
		"supervisor.startProcessGroup":    h.startProcessGroup,
		"supervisor.startAllProcesses":    h.startAllProcesses,
		"supervisor.stopProcess":          h.stopProcess,
		"supervisor.stopProcessGroup":     h.stopProcessGroup,
		"supervisor.stopAllProcesses":     h.stopAllProcesses,
		"supervisor.signalProcess":        h.signalProcess,
		"supervisor.signalProcessGroup":   h.signalProcessGroup,
		"supervisor.signalAllProcesses":   h.signalAllProcesses,
		"supervisor.getProcessInfo":       h.getProcessInfo,
		"supervisor.getAllProcessInfo":    h.getAllProcessInfo,
		"supervisor.getAllConfigInfo":     h.getAllConfigInfo,
		"supervisor.readProcessStdoutLog": h.readLogOf(procman.Stdout),
		"supervisor.readProcessLog":       h.readLogOf(procman.Stdout),
		"supervisor.readProcessStderrLog": h.readLogOf(procman.Stderr),
		"supervisor.tailProcessStdoutLog": h.tailLogOf(procman.Stdout),
		"supervisor.tailProcessLog":       h.tailLogOf(procman.Stdout),
		"supervisor.tailProcessStderrLog": h.tailLogOf(procman.Stderr),
	}
	for name, fn := range methods {
		if err := h.rpc.Register(name, fn); err != nil {
			return err
		}
	}
	return nil
}

// fault turns an error of the supervisor into supervisord's fault; name
// is the detail supervisord puts in the fault's string.
func fault(err error, name string) error {
	code := xmlrpc.FaultFailed
	switch {
	case err == nil:
		return nil
	case errors.Is(err, procman.ErrBadName):
		code = xmlrpc.FaultBadName
	case errors.Is(err, procman.ErrNoFile), errors.Is(err, procman.ErrNoLog):
		code = xmlrpc.FaultNoFile
	case errors.Is(err, procman.ErrNotExecutable):
		code = xmlrpc.FaultNotExecutable
	case errors.Is(err, procman.ErrAlreadyStarted):
		code = xmlrpc.FaultAlreadyStarted
	case errors.Is(err, procman.ErrNotRunning):
		code = xmlrpc.FaultNotRunning
	case errors.Is(err, procman.ErrSpawn):
		code = xmlrpc.FaultSpawnError
	case errors.Is(err, procman.ErrAbnormalTermination):
		code = xmlrpc.FaultAbnormalTermination
	case errors.Is(err, procman.ErrAlreadyAdded):
		code = xmlrpc.FaultAlreadyAdded
	case errors.Is(err, procman.ErrStillRunning):
		code = xmlrpc.FaultStillRunning
	case errors.Is(err, procman.ErrBadSignal):
		code = xmlrpc.FaultBadSignal
	case errors.Is(err, procman.ErrShutdown):
		code = xmlrpc.FaultShutdownState
	}
	if code == xmlrpc.FaultFailed {
		return xmlrpc.Faultf(code, "%s", err.Error())
	}
	return xmlrpc.Faultf(code, "%s", name)
}

func (h *handler) getAPIVersion(context.Context) (string, error) { return APIVersion, nil }

// getState returns supervisord's state: RUNNING while it serves.
func (h *handler) getState(context.Context) (map[string]any, error) {
	return map[string]any{"statecode": 1, "statename": "RUNNING"}, nil
}

func (h *handler) readLog(_ context.Context, offset, length int64) (string, error) {
	if h.cfg.MainLog == nil {
		return "", xmlrpc.Faultf(xmlrpc.FaultNoFile, "no log file")
	}
	b, err := h.cfg.MainLog.Read(offset, length)
	if err != nil {
		return "", xmlrpc.Faultf(xmlrpc.FaultBadArguments, "%v", err)
	}
	return string(b), nil
}

// later runs f once the reply that asked for it has gone out.
func later(f func()) {
	go func() {
		time.Sleep(100 * time.Millisecond) // the reply is written before the process ends or restarts
		f()
	}()
}

func (h *handler) shutdown(context.Context) (bool, error) {
	if h.cfg.Shutdown == nil {
		return false, xmlrpc.Faultf(xmlrpc.FaultFailed, "this server cannot be shut down remotely")
	}
	later(h.cfg.Shutdown)
	return true, nil
}

func (h *handler) restart(context.Context) (bool, error) {
	if h.cfg.Restart == nil {
		return false, xmlrpc.Faultf(xmlrpc.FaultFailed, "this server cannot be restarted remotely")
	}
	later(h.cfg.Restart)
	return true, nil
}

// groups returns the programs of progs by group, and the names of the
// groups, sorted.
func groups(progs []procman.Program) (map[string][]procman.Program, []string) {
	m := make(map[string][]procman.Program)
	for _, p := range progs {
		g := p.Group
		if g == "" {
			g = p.Name
		}
		m[g] = append(m[g], p)
	}
	names := make([]string, 0, len(m))
	for g := range m {
		names = append(names, g)
	}
	slices.Sort(names)
	return m, names
}

// reloadConfig rereads the configuration and says which groups it adds,
// changes and removes, as [[added, changed, removed]].
func (h *handler) reloadConfig(context.Context) ([][][]string, error) {
	if h.cfg.Reread == nil {
		return nil, xmlrpc.Faultf(xmlrpc.FaultCantReread, "no configuration file to reread")
	}
	progs, err := h.cfg.Reread()
	if err != nil {
		return nil, xmlrpc.Faultf(xmlrpc.FaultCantReread, "%v", err)
	}
	h.mu.Lock()
	h.programs = progs
	h.mu.Unlock()
	// The groups running now, and those of the configuration.
	diff := h.sup.Diff(progs)
	running, _ := groups(h.sup.Programs())
	fresh, freshNames := groups(progs)
	groupOf := func(name string, in map[string][]procman.Program) string {
		for g, ps := range in {
			for _, p := range ps {
				if p.Name == name {
					return g
				}
			}
		}
		return name
	}
	added, changed, removed := []string{}, []string{}, []string{}
	for _, g := range freshNames {
		if _, ok := running[g]; !ok {
			added = append(added, g)
		}
	}
	for _, name := range diff.Changed {
		changed = append(changed, groupOf(name, fresh))
	}
	for _, name := range diff.Added {
		if g := groupOf(name, fresh); !slices.Contains(added, g) {
			changed = append(changed, g) // a new program in a group that runs
		}
	}
	for g := range running {
		if _, ok := fresh[g]; !ok {
			removed = append(removed, g)
		}
	}
	for _, name := range diff.Removed {
		if g := groupOf(name, running); !slices.Contains(removed, g) {
			changed = append(changed, g) // a program gone from a group that stays
		}
	}
	slices.Sort(changed)
	changed = slices.Compact(changed)
	slices.Sort(removed)
	return [][][]string{{added, changed, removed}}, nil
}

// addProcessGroup adds the programs of a group of the configuration as
// last read, starting those with autostart.
func (h *handler) addProcessGroup(_ context.Context, name string) (bool, error) {
	h.mu.Lock()
	progs, _ := groups(h.programs)
	h.mu.Unlock()
	ps, ok := progs[name]
	if !ok {
		return false, xmlrpc.Faultf(xmlrpc.FaultBadName, "%s", name)
	}
	running, _ := groups(h.sup.Programs())
	if _, ok := running[name]; ok {
		return false, xmlrpc.Faultf(xmlrpc.FaultAlreadyAdded, "%s", name)
	}
	for _, p := range ps {
		if err := h.sup.Add(p); err != nil {
			return false, fault(err, name)
		}
	}
	return true, nil
}

// removeProcessGroup removes a group none of whose processes runs.
func (h *handler) removeProcessGroup(ctx context.Context, name string) (bool, error) {
	running, _ := groups(h.sup.Programs())
	ps, ok := running[name]
	if !ok {
		return false, xmlrpc.Faultf(xmlrpc.FaultBadName, "%s", name)
	}
	for _, i := range h.sup.Infos() {
		if i.Group == name && isRunning(i.State) {
			return false, xmlrpc.Faultf(xmlrpc.FaultStillRunning, "%s", name)
		}
	}
	for _, p := range ps {
		if err := h.sup.Remove(ctx, p.Name); err != nil {
			return false, fault(err, name)
		}
	}
	return true, nil
}

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
