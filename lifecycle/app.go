package lifecycle

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// DefaultService is the name of the service that [App.AddSandbox] adds
// sandboxes to.
const DefaultService = "default"

// App is a program of services: it parses its command line (start, stop,
// reload, status, ctl, version, help), runs its services' sandboxes, hands
// its sockets to a new process at a reload, and serves a control socket.
// Build one with [NewApp], add sandboxes, and call [App.Main] from main.
//
// The fields are read when Main starts; set them before.
type App struct {
	// Name names the app in its files ($TMPDIR/NAME.pid, NAME.sock,
	// NAME.log), its ctl prompt and its logs. NewApp sets it.
	Name string
	// Version, Commit and BuildTime describe the build. Empty fields are
	// filled from the binary's build information (runtime/debug): the main
	// module's version, vcs.revision and vcs.time. Set them from
	// variables that -ldflags "-X main.version=..." sets to override.
	Version, Commit, BuildTime string
	// Authors and Description are shown by version and help.
	Authors, Description string
	// ConfigFile is the configuration read when --config is not given;
	// empty means none (every sandbox gets an empty section).
	ConfigFile string

	mu       sync.Mutex
	services []*Service
	names    map[string]*Service // sandbox name → service
}

// NewApp returns an app named name, with no services. An empty name means
// the binary's file name.
func NewApp(name string) *App {
	if name == "" {
		name = filepath.Base(os.Args[0])
	}
	return &App{Name: name}
}

// AddSandbox adds sb to the service named "default", creating it. A
// sandbox's name must be unique in the app: a second one of a name is an
// error wrapping [ErrDuplicate].
func (a *App) AddSandbox(sb Sandbox) error {
	s, err := a.service(DefaultService, true)
	if err != nil {
		return err
	}
	return s.AddSandbox(sb)
}

// NewService adds a service named name: a group of sandboxes that start and
// stop together, and, in multi-process mode, one child process. A second
// service of a name is an error wrapping [ErrDuplicate].
func (a *App) NewService(name string) (*Service, error) {
	return a.service(name, false)
}

func (a *App) service(name string, reuse bool) (*Service, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range a.services {
		if s.name == name {
			if reuse {
				return s, nil
			}
			return nil, errDuplicate("service", name)
		}
	}
	s := &Service{app: a, name: name}
	a.services = append(a.services, s)
	return s, nil
}

// sandboxNames returns the names of the app's sandboxes.
func (a *App) sandboxNames() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var names []string
	for _, s := range a.services {
		for _, sb := range s.sandboxes {
			names = append(names, sb.Name())
		}
	}
	return names
}

// Services returns the app's services in the order they were added.
func (a *App) Services() []*Service {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]*Service(nil), a.services...)
}

// Service is a group of sandboxes of an app, started in the order they
// were added and stopped in reverse.
type Service struct {
	app       *App
	name      string
	sandboxes []Sandbox
}

// Name returns the service's name.
func (s *Service) Name() string { return s.name }

// Sandboxes returns the service's sandboxes in the order they were added.
func (s *Service) Sandboxes() []Sandbox {
	s.app.mu.Lock()
	defer s.app.mu.Unlock()
	return append([]Sandbox(nil), s.sandboxes...)
}

// AddSandbox adds sb to the service. Its name must be unique in the app:
// a second sandbox of a name is an error wrapping [ErrDuplicate].
func (s *Service) AddSandbox(sb Sandbox) error {
	name := sb.Name()
	a := s.app
	a.mu.Lock()
	defer a.mu.Unlock()
	if other, ok := a.names[name]; ok {
		return errDuplicate("sandbox", name+" (already in service "+other.name+")")
	}
	if a.names == nil {
		a.names = make(map[string]*Service)
	}
	a.names[name] = s
	s.sandboxes = append(s.sandboxes, sb)
	return nil
}

// BuildInfo describes the binary.
type BuildInfo struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	BuildTime string `json:"build_time"`
	GoVersion string `json:"go_version"`
	Module    string `json:"module"`
	Authors   string `json:"authors,omitempty"`
	Path      string `json:"path"`
}

// BuildInfo returns what is known of the binary: the App's fields, filled
// in from runtime/debug.ReadBuildInfo where empty.
func (a *App) BuildInfo() BuildInfo {
	bi := BuildInfo{
		Name: a.Name, Version: a.Version, Commit: a.Commit, BuildTime: a.BuildTime,
		GoVersion: runtime.Version(), Authors: a.Authors,
	}
	if exe, err := os.Executable(); err == nil {
		bi.Path = exe
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		bi.Module = info.Main.Path
		if bi.Version == "" && info.Main.Version != "" {
			bi.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && bi.Commit == "":
				bi.Commit = s.Value
			case s.Key == "vcs.time" && bi.BuildTime == "":
				bi.BuildTime = s.Value
			case s.Key == "vcs.modified" && s.Value == "true" && bi.Commit != "":
				bi.Commit += "-dirty"
			}
		}
	}
	return bi
}

// Info is the state of a running app, as status and ctl show it.
type Info struct {
	Build     BuildInfo     `json:"build"`
	Pid       int           `json:"pid"`
	Started   time.Time     `json:"started"`
	Mode      string        `json:"mode"`
	Env       string        `json:"env,omitempty"`
	Config    string        `json:"config,omitempty"`
	Log       string        `json:"log,omitempty"`
	Debug     bool          `json:"debug"`
	Reloads   int           `json:"reloads"`
	Sandboxes []SandboxInfo `json:"sandboxes"`
	Children  []ChildInfo   `json:"children,omitempty"`
}

// SandboxInfo is the state of one sandbox.
type SandboxInfo struct {
	Name    string    `json:"name"`
	Service string    `json:"service"`
	State   State     `json:"state"`
	Since   time.Time `json:"since"`
	Pid     int       `json:"pid"`
	Error   string    `json:"error,omitempty"`
}

// ChildInfo is the state of a service's process in multi-process mode.
type ChildInfo struct {
	Service string    `json:"service"`
	State   string    `json:"state"`
	Pid     int       `json:"pid"`
	Since   time.Time `json:"since"`
	Detail  string    `json:"detail,omitempty"`
}
