package conf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dmicro-go/dmicro/procman"
)

// File is a parsed configuration: the main file and every file it
// includes.
type File struct {
	// Files are the files read, the main one first, then the included ones
	// in the order they were read.
	Files []string
	// Supervisord is the [supervisord] section, its defaults filled in
	// where the file has no section or leaves a key out.
	Supervisord Supervisord
	// UnixHTTPServer, InetHTTPServer and Supervisorctl are their sections,
	// or nil where the file has none.
	UnixHTTPServer *UnixHTTPServer
	InetHTTPServer *InetHTTPServer
	Supervisorctl  *Supervisorctl
	// Programs are the processes of the [program:x] sections, one Program
	// per process (see the package doc), in the order supervisord starts
	// its groups: by priority, then by name.
	Programs []procman.Program
	// Groups are the [group:x] sections, in the order of the file.
	Groups []Group
	// Warnings are the things procman accepts but ignores or changes, and
	// the doubtful things supervisord warns of, each as
	// "file:line: [section] key: message".
	Warnings []string
}

// Group is a [group:x] section: its programs' processes run in group x.
type Group struct {
	// Name is x.
	Name string
	// Priority is the group's priority, default 999. supervisord starts
	// groups by it; procman has no group priority and orders programs by
	// their own Priority only, so this value is for information.
	Priority int
	// Programs are the names of the group's Programs (its processes), in
	// the order of its programs= list.
	Programs []string
}

// Options are the settings of [Parse]. A nil *Options means the zero
// Options: every field's default.
type Options struct {
	// Dir is the directory of the file: what %(here)s expands to, and what
	// the patterns of its [include] section are relative to. Empty means
	// the directory of the name given to Parse. It is made absolute for
	// %(here)s, and files included from Dir are named relative to it in
	// errors when Dir is relative.
	Dir string
	// Environ is the environment that %(ENV_X)s expands from, as
	// "KEY=value" entries; nil means os.Environ(). It also gives $HOME for
	// "~" in log file names and $TMPDIR for the default childlogdir.
	Environ []string
	// Hostname is what %(host_node_name)s expands to; empty means
	// os.Hostname().
	Hostname string
	// FS, when it is not nil, is where included files are found and read,
	// instead of the operating system's files: its root stands for "/",
	// and names are slash-separated. Tests and fuzzing use it.
	FS fs.FS
}

// maxIncludeDepth limits how deep includes nest.
const maxIncludeDepth = 32

// Load reads the configuration file at path and the files it includes.
// It is Parse of the file's contents with nil Options: %(here)s is the
// file's directory, and ENV_ expansions come from the process's
// environment.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, wrapAt(pos{file: path}, "", "", err, "cannot read the file")
	}
	return Parse(path, bytes.NewReader(data), nil)
}

// Parse reads a configuration from r; name names it in errors and, unless
// opts.Dir is set, gives its directory. Included files are read from the
// operating system, or from opts.FS.
//
// Every error wraps [ErrConfig], and is an [*Error] naming the file, line
// and key at fault. Parse returns at the first fault.
func Parse(name string, r io.Reader, opts *Options) (*File, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, wrapAt(pos{file: name}, "", "", err, "cannot read the file")
	}
	p := newParser(name, o)
	if err := p.readFile(name, p.opts.Dir, string(data), nil); err != nil {
		return nil, err
	}
	return p.build()
}

// parser carries the state of one Parse.
type parser struct {
	opts     Options
	fsys     fileSystem
	ini      *ini
	files    []string
	warnings []string
	env      map[string]string // the Environ, by key
	envScope *scope            // ENV_ names; later [supervisord] environment too
	host     string
	expanded int // the bytes of values expanded so far, for maxExpandedBytes
}

func newParser(name string, o Options) *parser {
	if o.Environ == nil {
		o.Environ = os.Environ()
	}
	if o.Hostname == "" {
		o.Hostname, _ = os.Hostname()
	}
	p := &parser{opts: o, ini: newINI(), env: make(map[string]string), host: o.Hostname}
	if o.FS != nil {
		p.fsys = subFS{o.FS}
	} else {
		p.fsys = osFS{}
	}
	if p.opts.Dir == "" {
		p.opts.Dir = p.fsys.dir(name)
	}
	vars := make(map[string]any, len(o.Environ))
	for _, kv := range o.Environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			continue
		}
		p.env[k] = v
		vars["ENV_"+k] = v
	}
	p.envScope = (*scope)(nil).with(vars)
	return p
}

// warn records a warning at p.
func (p *parser) warn(at pos, section, key, format string, args ...any) {
	e := errorAt(at, section, key, format, args...)
	p.warnings = append(p.warnings, strings.TrimPrefix(e.Error(), "conf: "))
}

// readFile reads one file's text into p.ini, then the files its [include]
// section names, depth first. dir is the file's directory as named, and
// stack the absolute names of the files that include it.
func (p *parser) readFile(name, dir, text string, stack []string) error {
	id := p.fsys.real(name)
	here := p.fsys.abs(dir)
	p.files = append(p.files, name)
	inc, err := p.ini.read(name, here, text)
	if err != nil {
		return err
	}
	if inc.header == nil {
		return nil
	}
	if inc.files == nil {
		return errorAt(*inc.header, "include", "", "the section has no files= key")
	}
	v := inc.files
	sc := p.envScope.with(map[string]any{"here": v.here, "host_node_name": p.host})
	patterns, err := expand(v.text, sc)
	if err != nil {
		return errorAt(v.pos, "include", "files", "%v", err)
	}
	stack = append(stack, id)
	if len(stack) > maxIncludeDepth {
		return errorAt(v.pos, "include", "files", "includes nest deeper than %d files", maxIncludeDepth)
	}
	for _, pat := range strings.Fields(patterns) {
		full := p.fsys.join(dir, pat)
		names, err := p.fsys.glob(full)
		if err != nil {
			return wrapAt(v.pos, "include", "files", err, "bad pattern %q", pat)
		}
		if len(names) == 0 {
			p.warn(v.pos, "include", "files", "no file matches %q", full)
			continue
		}
		slices.Sort(names)
		for _, n := range names {
			nid := p.fsys.real(n)
			if i := slices.Index(stack, nid); i >= 0 {
				chain := append(slices.Clone(stack[i:]), nid)
				return errorAt(v.pos, "include", "files", "%s includes itself: %s", n, strings.Join(chain, " -> "))
			}
			data, err := p.fsys.readFile(n)
			if err != nil {
				return wrapAt(v.pos, "include", "files", err, "cannot read %s", n)
			}
			if err := p.readFile(n, p.fsys.dir(n), string(data), stack); err != nil {
				return err
			}
		}
	}
	return nil
}

// fileSystem is where included files are found: the operating system's
// files, or an fs.FS.
type fileSystem interface {
	dir(name string) string
	join(dir, pattern string) string
	abs(name string) string
	real(name string) string
	glob(pattern string) ([]string, error)
	readFile(name string) ([]byte, error)
}

// osFS is the operating system's files.
type osFS struct{}

func (osFS) dir(name string) string { return filepath.Dir(name) }

func (osFS) join(dir, pattern string) string {
	if filepath.IsAbs(pattern) {
		return pattern
	}
	return filepath.Join(dir, pattern)
}

func (osFS) abs(name string) string {
	if a, err := filepath.Abs(name); err == nil {
		return a
	}
	return name
}

func (f osFS) real(name string) string {
	if r, err := filepath.EvalSymlinks(name); err == nil {
		name = r
	}
	return f.abs(name)
}

func (osFS) glob(pattern string) ([]string, error) {
	names, err := filepath.Glob(pyPattern(pattern))
	return unhidden(pattern, names, string(filepath.Separator)), err
}

func (osFS) readFile(name string) ([]byte, error) { return os.ReadFile(name) }

// subFS is an fs.FS whose root stands for "/".
type subFS struct{ fsys fs.FS }

func (subFS) dir(name string) string { return path.Dir(name) }

func (subFS) join(dir, pattern string) string {
	if path.IsAbs(pattern) {
		return path.Clean(pattern)
	}
	return path.Join(dir, pattern)
}

func (subFS) abs(name string) string { return path.Join("/", name) }

func (f subFS) real(name string) string { return f.abs(name) }

func (s subFS) glob(pattern string) ([]string, error) {
	rel := strings.TrimPrefix(path.Join("/", pattern), "/")
	if rel == "" {
		rel = "."
	}
	names, err := fs.Glob(s.fsys, pyPattern(rel))
	if err != nil {
		return nil, err
	}
	if path.IsAbs(pattern) {
		for i, n := range names {
			names[i] = path.Join("/", n)
		}
	}
	return unhidden(pattern, names, "/"), nil
}

func (s subFS) readFile(name string) ([]byte, error) {
	rel := strings.TrimPrefix(path.Join("/", name), "/")
	if rel == "" {
		rel = "."
	}
	return fs.ReadFile(s.fsys, rel)
}

// pyPattern turns the negated class "[!...]" of Python's glob into Go's
// "[^...]".
func pyPattern(pattern string) string { return strings.ReplaceAll(pattern, "[!", "[^") }

// unhidden drops the names that Python's glob would not match: a wildcard
// does not match a leading '.', unless the pattern's part starts with one.
func unhidden(pattern string, names []string, sep string) []string {
	parts := strings.Split(pattern, sep)
	out := names[:0]
	for _, n := range names {
		nparts := strings.Split(n, sep)
		hidden := false
		if len(nparts) == len(parts) {
			for i, np := range nparts {
				pp := parts[i]
				if strings.HasPrefix(np, ".") && !strings.HasPrefix(pp, ".") && strings.ContainsAny(pp, "*?[") {
					hidden = true
					break
				}
			}
		}
		if !hidden {
			out = append(out, n)
		}
	}
	return out
}

// build turns the sections read into a File.
func (p *parser) build() (*File, error) {
	f := &File{Files: p.files}
	p.warnings = append(p.ini.warnings, p.warnings...)
	if err := p.supervisord(&f.Supervisord); err != nil {
		return nil, err
	}
	if err := p.checkDefaults(); err != nil {
		return nil, err
	}
	programs := make(map[string]*section)
	var groups []*section
	for _, s := range p.ini.sections {
		kind, name, _ := strings.Cut(s.name, ":")
		var err error
		switch {
		case s.name == "supervisord":
		case s.name == "include":
			err = p.checkKeys(s, kindKeys(s.name))
		case s.name == "unix_http_server":
			f.UnixHTTPServer, err = p.unixHTTPServer(s)
		case s.name == "inet_http_server":
			f.InetHTTPServer, err = p.inetHTTPServer(s)
		case s.name == "supervisorctl":
			f.Supervisorctl, err = p.supervisorctl(s)
		case kind == "program" && strings.Contains(s.name, ":"):
			programs[name] = s
		case kind == "group" && strings.Contains(s.name, ":"):
			groups = append(groups, s)
		case kind == "rpcinterface" && strings.Contains(s.name, ":"):
			err = p.rpcinterface(s)
		case kind == "eventlistener" || kind == "fcgi-program":
			err = &Error{File: s.pos.file, Line: s.pos.line, Section: s.name, Err: errors.ErrUnsupported,
				Msg: fmt.Sprintf("procman does not support %s sections; remove the section or run it as a [program:x]", kind)}
		case kind == "ctlplugin":
			p.warn(s.pos, s.name, "", "supervisorctl plugins are ignored")
		default:
			p.warn(s.pos, s.name, "", "unknown section, ignored as supervisord ignores it")
		}
		if err != nil {
			return nil, err
		}
	}
	progs, grps, err := p.programs(programs, groups, &f.Supervisord)
	if err != nil {
		return nil, err
	}
	f.Programs, f.Groups, f.Warnings = progs, grps, p.warnings
	return f, nil
}

// checkKeys returns an error for the first key of s that is not in known.
func (p *parser) checkKeys(s *section, known []string) error {
	for _, k := range s.order {
		if !slices.Contains(known, k) {
			return errorAt(s.keys[k].pos, s.name, k, "unknown key")
		}
	}
	return nil
}

// checkDefaults warns of [DEFAULT] keys that no section has.
func (p *parser) checkDefaults() error {
	d := p.ini.defaults
	if d == nil {
		return nil
	}
	for _, k := range d.order {
		found := false
		for _, kind := range []string{"supervisord", "include", "unix_http_server", "inet_http_server", "supervisorctl", "program", "group"} {
			if slices.Contains(kindKeys(kind), k) {
				found = true
				break
			}
		}
		if !found {
			return errorAt(d.keys[k].pos, d.name, k, "unknown key: no section has it")
		}
	}
	return nil
}

// kindKeys returns the keys a section of kind has.
func kindKeys(kind string) []string {
	switch kind {
	case "supervisord":
		return supervisordKeys()
	case "include":
		return []string{"files"}
	case "unix_http_server":
		return []string{"file", "chmod", "chown", "username", "password"}
	case "inet_http_server":
		return []string{"port", "username", "password"}
	case "supervisorctl":
		return []string{"serverurl", "username", "password", "prompt", "history_file"}
	case "program":
		return programKeys()
	case "group":
		return []string{"programs", "priority"}
	}
	return nil
}

// rpcinterface accepts supervisord's own RPC interface, which procman
// needs no section for, and ignores another with a warning.
func (p *parser) rpcinterface(s *section) error {
	const key, std = "supervisor.rpcinterface_factory", "supervisor.rpcinterface:make_main_rpcinterface"
	v := s.get(key)
	if v == nil {
		return errorAt(s.pos, s.name, "", "the section has no %s key", key)
	}
	if v.text != std {
		p.warn(v.pos, s.name, key, "%s is not supervisord's own interface; procman ignores the section", v.text)
	}
	return nil
}
