package conf

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// File is a configuration file as the program sees it: its sections with
// the overlays of one environment applied, then the environment
// variables. A File is never changed after Load or Parse returns it, and
// is safe for concurrent use.
type File struct {
	path     string
	env      string
	app      App
	sections []*Section // in file order
	byName   map[string]*Section
}

// Load reads the file at path and returns what [Parse] makes of it.
func Load(path, env string, environ []string) (*File, error) {
	return LoadFor(path, env, environ, nil)
}

// LoadFor is [Load] for a program whose sandboxes are named: see [ParseFor].
func LoadFor(path, env string, environ []string, sandboxes []string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("conf: %w", err)
	}
	return ParseFor(path, data, env, environ, sandboxes)
}

// ParseFor is [Parse] for a program whose sandboxes are named: a
// DMICRO_SANDBOX_<NAME>_<KEY> variable reaches the section of such a
// sandbox even when the file has none (or there is no file), as
// DMICRO_APP_<KEY> reaches [app].
func ParseFor(name string, data []byte, env string, environ []string, sandboxes []string) (*File, error) {
	return parseFile(name, data, env, environ, sandboxes)
}

// Parse reads data, the text of the file named name (which names it in
// errors), applies the overlays [NAME @env] (none when env is empty), then
// the DMICRO_<SECTION>_<KEY> variables of environ (as os.Environ returns
// it; a variable given twice counts as its last value), and checks the
// [app] and [sandbox.NAME] sections: their keys must be known and their
// values of the keys' kinds, in every overlay whatever its environment,
// and the TLSCert and TLSKey of a sandbox go together.
//
// Parse returns every fault it finds, joined; each is an [*Error] that
// matches [ErrSyntax], [ErrDuplicate], [ErrUnknownKey] or [ErrBadValue]
// with errors.Is. It stops after the faults of the lines, if any, without
// checking values.
func Parse(name string, data []byte, env string, environ []string) (*File, error) {
	return parseFile(name, data, env, environ, nil)
}

func parseFile(name string, data []byte, env string, environ []string, sandboxes []string) (*File, error) {
	parts, err := parse(name, data)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, p := range parts {
		errs = append(errs, check(p.sec)...)
	}
	f := &File{path: name, env: env, byName: make(map[string]*Section)}
	f.merge(parts)
	errs = append(errs, f.applyEnviron(environ, sandboxes)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, s := range f.sections {
		if isSandbox(s.name) {
			if err := checkTLS(s); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if app, ok := f.byName["app"]; ok {
		if errs := app.decode(&f.app); len(errs) > 0 {
			return nil, errors.Join(errs...)
		}
	}
	return f, nil
}

// isSandbox reports whether name is that of a sandbox section.
func isSandbox(name string) bool { return strings.HasPrefix(name, "sandbox.") }

// check returns the faults of the keys and values of s, a section or an
// overlay from a file or a key from the environment: those of [app] and
// [sandbox.NAME] sections; the program checks its own.
func check(s *Section) []error {
	switch {
	case s.name == "app":
		return checkApp(s)
	case isSandbox(s.name):
		_, errs := checkSandbox(s)
		return errs
	}
	return nil
}

// merge makes f's sections of the base sections of parts and the overlays
// of f.env, in the order of their first header in the file.
func (f *File) merge(parts []part) {
	active := func(p part) bool { return p.env == "" || p.env == f.env }
	for _, p := range parts {
		if active(p) && f.byName[p.sec.name] == nil {
			f.add(newSection(p.sec.name, p.sec.src))
		}
	}
	for _, overlays := range []bool{false, true} {
		for _, p := range parts {
			if !active(p) || (p.env != "") != overlays {
				continue
			}
			s := f.byName[p.sec.name]
			for _, e := range p.sec.entries {
				s.set(e.key, e.value, e.src)
			}
		}
	}
}

// add adds s to f's sections.
func (f *File) add(s *Section) {
	f.sections = append(f.sections, s)
	f.byName[s.name] = s
}

// envPrefix starts the environment variables that override keys.
const envPrefix = "DMICRO_"

// envName returns the part of the environment variables of a section's
// keys that stands for the section: its name upper-cased, with every
// character but an ASCII letter or digit turned into '_'.
func envName(section string) string {
	b := []byte(section)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		default:
			b[i] = '_'
		}
	}
	return string(b)
}

// applyEnviron sets the keys that the DMICRO_ variables of environ name,
// in the order of the variables' names.
func (f *File) applyEnviron(environ []string, sandboxes []string) []error {
	vars := make(map[string]string)
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, envPrefix) {
			vars[k] = v
		}
	}
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	slices.Sort(names)

	// The sections a variable may name: those of the file, [app], and
	// those of the program's sandboxes.
	bySection := make(map[string][]string)
	for _, s := range f.sections {
		n := envName(s.name)
		bySection[n] = append(bySection[n], s.name)
	}
	absent := []string{"app"}
	for _, sb := range sandboxes {
		absent = append(absent, "sandbox."+sb)
	}
	for _, name := range absent {
		if _, ok := f.byName[name]; !ok {
			n := envName(name)
			if !slices.Contains(bySection[n], name) {
				bySection[n] = append(bySection[n], name)
			}
		}
	}

	var errs []error
	for _, name := range names {
		rest := name[len(envPrefix):]
		// The longest section name that rest starts with, then "_".
		var secs []string
		var key string
		for i := len(rest) - 1; i > 0; i-- {
			if rest[i] == '_' && len(bySection[rest[:i]]) > 0 {
				secs, key = bySection[rest[:i]], rest[i+1:]
				break
			}
		}
		src := source{env: name}
		switch {
		case len(secs) == 0:
			continue // not a key of this file
		case len(secs) > 1:
			errs = append(errs, errorAt(src, "", "", ErrSyntax, "the variable names sections ["+strings.Join(secs, "] and [")+"] alike"))
			continue
		case !validKey(key):
			errs = append(errs, errorAt(src, secs[0], "", ErrSyntax, "the variable names no key: the key part of DMICRO_<SECTION>_<KEY> is made of letters, digits and underscores"))
			continue
		}
		s := f.byName[secs[0]]
		one := newSection(secs[0], source{})
		one.set(normKey(key), vars[name], src)
		if e := check(one); len(e) > 0 {
			errs = append(errs, e...)
			continue
		}
		if s == nil { // [app] or a sandbox's, absent from the file
			s = newSection(secs[0], source{file: f.path})
			if s.name == "app" {
				f.sections = slices.Insert(f.sections, 0, s)
			} else {
				f.sections = append(f.sections, s)
			}
			f.byName[s.name] = s
		}
		s.set(normKey(key), vars[name], src)
	}
	return errs
}

// Path returns the name the file was loaded or parsed by.
func (f *File) Path() string { return f.path }

// Env returns the environment whose overlays were applied; empty for none.
func (f *File) Env() string { return f.env }

// App returns the [app] section, decoded; the zero App when the file has
// none.
func (f *File) App() App { return f.app }

// Section returns the section named name ("app", "sandbox.DRpcSandBox",
// "math"), with its overlay and the environment applied, or an empty
// section when the file has none: never nil.
func (f *File) Section(name string) *Section {
	if s, ok := f.byName[name]; ok {
		return s
	}
	return newSection(name, source{file: f.path})
}

// Sandbox returns the section [sandbox.name], as Section does: never nil.
// The name is that of the sandbox, case and all.
func (f *File) Sandbox(name string) *Section { return f.Section("sandbox." + name) }

// Sections returns the names of the file's sections, in file order.
func (f *File) Sections() []string {
	names := make([]string, len(f.sections))
	for i, s := range f.sections {
		names[i] = s.name
	}
	return names
}

// Sandboxes returns the names of the file's sandboxes (those of its
// [sandbox.NAME] sections, and of its overlays of the environment), in
// file order.
func (f *File) Sandboxes() []string {
	var names []string
	for _, s := range f.sections {
		if isSandbox(s.name) {
			names = append(names, strings.TrimPrefix(s.name, "sandbox."))
		}
	}
	return names
}

// WriteTo writes the configuration as the program sees it, overlays and
// environment applied, in the file's format: each section, then its keys
// with their values, quoted where they need to be. Parsing what it writes
// gives the same sections, keys and values.
func (f *File) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	bw := bufio.NewWriter(cw)
	for i, s := range f.sections {
		if i > 0 {
			bw.WriteByte('\n')
		}
		bw.WriteString(header(s.name, ""))
		bw.WriteByte('\n')
		for _, e := range s.entries {
			bw.WriteString(e.key)
			bw.WriteString(" =")
			switch {
			case e.value == "":
			case plainValue(e.value):
				bw.WriteByte(' ')
				bw.WriteString(e.value)
			default:
				bw.WriteByte(' ')
				bw.WriteString(strconv.Quote(e.value))
			}
			bw.WriteByte('\n')
		}
	}
	err := bw.Flush()
	return cw.n, err
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
