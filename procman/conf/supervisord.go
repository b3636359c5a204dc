package conf

import (
	"io/fs"
	"log/slog"
	"net"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// Supervisord is the [supervisord] section: the settings of the supervisor
// itself. Each field's default is supervisord's, filled in where the file
// leaves the key out. Sizes and counts keep supervisord's meaning (zero
// means none), unlike procman.Log's.
type Supervisord struct {
	// Logfile is the supervisor's own log (logfile), default
	// "supervisord.log"; a relative name is made absolute from the current
	// directory, as supervisord does, and "syslog" is kept as it is.
	Logfile string
	// LogfileMaxBytes (logfile_maxbytes) is the size at which the log is
	// rotated, default 50 MiB; zero means never. LogfileBackups
	// (logfile_backups) is how many rotated logs are kept, default 10;
	// zero means none.
	LogfileMaxBytes int64
	LogfileBackups  int
	// LogLevel (loglevel) is the least level logged, default info:
	// critical is slog.LevelError+4, and trace and blather are
	// [LevelTrace] and [LevelBlather].
	LogLevel slog.Level
	// Pidfile (pidfile) is where the supervisor writes its process id,
	// default "supervisord.pid", made absolute as Logfile is.
	Pidfile string
	// Umask (umask) is the supervisor's umask when it daemonizes, default
	// 022.
	Umask int
	// Nodaemon (nodaemon) keeps the supervisor in the foreground; Silent
	// (silent) keeps its log off stderr there. Both default to false.
	Nodaemon bool
	Silent   bool
	// Minfds (minfds, default 1024) and Minprocs (minprocs, default 200)
	// are the least limits of open files and processes the supervisor
	// needs to start; it raises its soft limits to them.
	Minfds   int
	Minprocs int
	// Nocleanup (nocleanup) keeps old AUTO child logs at start; default
	// false.
	Nocleanup bool
	// Childlogdir (childlogdir) is the directory of AUTO child logs;
	// default the temporary directory ($TMPDIR, $TEMP, $TMP or /tmp).
	Childlogdir string
	// User (user) is the account the supervisor switches to at start;
	// empty means none.
	User string
	// Directory (directory) is where the supervisor changes to when it
	// daemonizes; empty means it does not.
	Directory string
	// StripANSI (strip_ansi) strips ANSI escape sequences from child logs;
	// default false.
	StripANSI bool
	// Environment (environment) is added to every program's environment,
	// as "KEY=value" entries; the [Parse] result's Programs have it
	// already, under their own.
	Environment []string
	// Identifier (identifier) names the supervisor, default "supervisor";
	// it is part of AUTO child log names.
	Identifier string
}

// UnixHTTPServer is the [unix_http_server] section: the control socket.
type UnixHTTPServer struct {
	// File (file) is the socket's path, made absolute. Required.
	File string
	// Chmod (chmod) is the socket's mode, default 0700.
	Chmod fs.FileMode
	// Chown (chown) is the socket's owner, "user" or "user:group", as
	// written; empty means the supervisor's.
	Chown string
	// Username (username) and Password (password) are the credentials
	// asked for, both or neither; the password may be "{SHA}" and the
	// hex SHA-1 of it.
	Username, Password string
}

// InetHTTPServer is the [inet_http_server] section: the control port.
type InetHTTPServer struct {
	// Host and Port are the address of port=host:port; an empty Host
	// ("*:9001", ":9001" or "9001") means every interface.
	Host string
	Port int
	// Username (username) and Password (password), both or neither.
	Username, Password string
}

// Addr returns the address to listen on, as "host:port".
func (s *InetHTTPServer) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Supervisorctl is the [supervisorctl] section: how the control client
// connects.
type Supervisorctl struct {
	// ServerURL (serverurl) is "unix:///path" (the path made absolute)
	// or "http://host:port"; default "http://localhost:9001".
	ServerURL string
	// Username (username) and Password (password), if the server asks.
	Username, Password string
	// Prompt (prompt) is the interactive prompt, default "supervisor".
	Prompt string
	// HistoryFile (history_file) keeps the interactive history; empty
	// means none. Made absolute.
	HistoryFile string
}

func supervisordKeys() []string {
	return []string{"logfile", "logfile_maxbytes", "logfile_backups", "loglevel", "pidfile", "umask",
		"nodaemon", "silent", "minfds", "minprocs", "nocleanup", "childlogdir", "user", "directory",
		"strip_ansi", "environment", "identifier"}
}

// maxExpandedBytes caps what all the values of a configuration expand to,
// numprocs times for a program's, so that a small file cannot take
// gigabytes.
const maxExpandedBytes = 32 << 20

// reader reads the keys of one section, expanded in a scope.
type reader struct {
	p  *parser
	s  *section
	sc *scope
}

// reader returns a reader of s with the names every section has.
func (p *parser) reader(s *section) reader {
	return reader{p, s, p.envScope.with(map[string]any{"host_node_name": p.host})}
}

// value returns the expanded value of key and the value as read, which is
// nil when neither the section nor [DEFAULT] sets the key.
func (r reader) value(key string) (string, *value, error) {
	v := r.p.ini.lookup(r.s, key)
	if v == nil {
		return "", nil, nil
	}
	s, err := expand(v.text, r.sc.with(map[string]any{"here": v.here}))
	if err != nil {
		return "", v, errorAt(v.pos, r.s.name, key, "%v", err)
	}
	if r.p.expanded += len(s); r.p.expanded > maxExpandedBytes {
		return "", v, errorAt(v.pos, r.s.name, key, "the configuration expands to more than %d MiB", maxExpandedBytes>>20)
	}
	return s, v, nil
}

// get reads key with conv, or returns def when key is not set.
func get[T any](r reader, key string, def T, conv func(string) (T, error)) (T, error) {
	s, v, err := r.value(key)
	if err != nil || v == nil {
		return def, err
	}
	t, err := conv(s)
	if err != nil {
		return def, errorAt(v.pos, r.s.name, key, "%v", err)
	}
	return t, nil
}

// str returns the expanded value of key, or def.
func (r reader) str(key, def string) (string, error) {
	return get(r, key, def, func(s string) (string, error) { return s, nil })
}

// supervisord reads the [supervisord] section, or its defaults when there
// is none, into d, and adds its environment to the ENV_ expansions of the
// sections read after it.
func (p *parser) supervisord(d *Supervisord) error {
	s := p.ini.byName["supervisord"]
	if s == nil {
		s = &section{name: "supervisord", keys: map[string]*value{}}
	} else if err := p.checkKeys(s, supervisordKeys()); err != nil {
		return err
	}
	r := p.reader(s)
	var err error
	steps := []func(){
		func() { d.Logfile, err = r.str("logfile", "supervisord.log") },
		func() { d.LogfileMaxBytes, err = get(r, "logfile_maxbytes", 50<<20, parseSize) },
		func() { d.LogfileBackups, err = get(r, "logfile_backups", 10, parseInt) },
		func() { d.LogLevel, err = get(r, "loglevel", slog.LevelInfo, parseLogLevel) },
		func() { d.Pidfile, err = r.str("pidfile", "supervisord.pid") },
		func() { d.Umask, err = get(r, "umask", 0o22, parseUmask) },
		func() { d.Nodaemon, err = get(r, "nodaemon", false, parseBool) },
		func() { d.Silent, err = get(r, "silent", false, parseBool) },
		func() { d.Minfds, err = get(r, "minfds", 1024, parseInt) },
		func() { d.Minprocs, err = get(r, "minprocs", 200, parseInt) },
		func() { d.Nocleanup, err = get(r, "nocleanup", false, parseBool) },
		func() { d.Childlogdir, err = r.str("childlogdir", "") },
		func() { d.User, err = r.str("user", "") },
		func() { d.Directory, err = r.str("directory", "") },
		func() { d.StripANSI, err = get(r, "strip_ansi", false, parseBool) },
		func() { d.Environment, err = get(r, "environment", nil, parseEnvironment) },
		func() { d.Identifier, err = r.str("identifier", "supervisor") },
	}
	for _, step := range steps {
		if step(); err != nil {
			return err
		}
	}
	if d.Logfile != "syslog" {
		d.Logfile = p.absPath(d.Logfile)
	}
	d.Pidfile = p.absPath(d.Pidfile)
	if d.Childlogdir == "" {
		d.Childlogdir = p.absPath(p.tempDir())
	} else {
		d.Childlogdir = p.expandUser(d.Childlogdir)
	}
	if d.Directory != "" {
		d.Directory = p.expandUser(d.Directory)
	}
	if len(d.Environment) > 0 {
		vars := make(map[string]any, len(d.Environment))
		for _, kv := range d.Environment {
			k, v, _ := strings.Cut(kv, "=")
			vars["ENV_"+k] = v
		}
		p.envScope = p.envScope.with(vars)
	}
	return nil
}

// credentials reads username and password, which must be set together.
func (p *parser) credentials(r reader) (string, string, error) {
	user, err := r.str("username", "")
	if err != nil {
		return "", "", err
	}
	pass, err := r.str("password", "")
	if err != nil {
		return "", "", err
	}
	u, pw := p.ini.lookup(r.s, "username"), p.ini.lookup(r.s, "password")
	if (u == nil) != (pw == nil) {
		return "", "", errorAt(r.s.pos, r.s.name, "", "username and password must be given together")
	}
	return user, pass, nil
}

// unixHTTPServer reads the [unix_http_server] section.
func (p *parser) unixHTTPServer(s *section) (*UnixHTTPServer, error) {
	if err := p.checkKeys(s, kindKeys(s.name)); err != nil {
		return nil, err
	}
	r := p.reader(s)
	u := &UnixHTTPServer{}
	file, err := r.str("file", "")
	if err != nil {
		return nil, err
	}
	if file = strings.TrimFunc(file, isSpace); file == "" {
		return nil, errorAt(s.pos, s.name, "file", "the section has no socket file")
	}
	u.File = p.absPath(file)
	mode, err := get(r, "chmod", 0o700, parseOctal)
	if err != nil {
		return nil, err
	}
	if mode < 0 || mode > 0o7777 {
		v := p.ini.lookup(s, "chmod")
		return nil, errorAt(v.pos, s.name, "chmod", "%q is not a mode from 0 to 7777 (octal)", v.text)
	}
	u.Chmod = fs.FileMode(mode)
	if u.Chown, err = r.str("chown", ""); err != nil {
		return nil, err
	}
	if u.Username, u.Password, err = p.credentials(r); err != nil {
		return nil, err
	}
	return u, nil
}

// inetHTTPServer reads the [inet_http_server] section.
func (p *parser) inetHTTPServer(s *section) (*InetHTTPServer, error) {
	if err := p.checkKeys(s, kindKeys(s.name)); err != nil {
		return nil, err
	}
	r := p.reader(s)
	port, v, err := r.value("port")
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, errorAt(s.pos, s.name, "port", "the section has no port")
	}
	i := &InetHTTPServer{}
	if i.Host, i.Port, err = parseInetAddress(port); err != nil {
		return nil, errorAt(v.pos, s.name, "port", "%v", err)
	}
	if i.Username, i.Password, err = p.credentials(r); err != nil {
		return nil, err
	}
	return i, nil
}

// supervisorctl reads the [supervisorctl] section.
func (p *parser) supervisorctl(s *section) (*Supervisorctl, error) {
	if err := p.checkKeys(s, kindKeys(s.name)); err != nil {
		return nil, err
	}
	r := p.reader(s)
	c := &Supervisorctl{}
	var err error
	if c.ServerURL, err = r.str("serverurl", "http://localhost:9001"); err != nil {
		return nil, err
	}
	if rest, ok := strings.CutPrefix(c.ServerURL, "unix://"); ok {
		c.ServerURL = "unix://" + p.absPath(rest)
	}
	if c.Prompt, err = r.str("prompt", "supervisor"); err != nil {
		return nil, err
	}
	if c.HistoryFile, err = r.str("history_file", ""); err != nil {
		return nil, err
	}
	if c.HistoryFile != "" {
		c.HistoryFile = p.absPath(c.HistoryFile)
	}
	if c.Username, err = r.str("username", ""); err != nil {
		return nil, err
	}
	if c.Password, err = r.str("password", ""); err != nil {
		return nil, err
	}
	return c, nil
}

// expandUser replaces a leading "~" or "~user" of name with the home
// directory, as Python's os.path.expanduser does: $HOME of the Environ for
// "~"; name is left as it is when the home is unknown.
func (p *parser) expandUser(name string) string {
	if !strings.HasPrefix(name, "~") {
		return name
	}
	who, rest, _ := strings.Cut(name[1:], "/")
	var home string
	if who == "" {
		home = p.env["HOME"]
		if home == "" {
			if u, err := user.Current(); err == nil {
				home = u.HomeDir
			}
		}
	} else if u, err := user.Lookup(who); err == nil {
		home = u.HomeDir
	}
	if home == "" {
		return name
	}
	if rest == "" && !strings.Contains(name, "/") {
		return home
	}
	return strings.TrimRight(home, "/") + "/" + rest
}

// absPath is supervisord's normalize_path: "~" expanded, made absolute
// from the current directory, and cleaned.
func (p *parser) absPath(name string) string {
	name = p.expandUser(name)
	if a, err := filepath.Abs(name); err == nil {
		return a
	}
	return filepath.Clean(name)
}

// tempDir is Python's tempfile.gettempdir: $TMPDIR, $TEMP or $TMP of the
// Environ, or /tmp.
func (p *parser) tempDir() string {
	for _, k := range []string{"TMPDIR", "TEMP", "TMP"} {
		if d := p.env[k]; d != "" {
			return d
		}
	}
	return "/tmp"
}
