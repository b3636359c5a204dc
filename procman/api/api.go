package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync"
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
