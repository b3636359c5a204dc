//go:build unix

package conf

import (
	"errors"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/procman"
)

// TestErrors checks the exact text of errors: the file, the line, the
// section and the key at fault, and what is wrong.
func TestErrors(t *testing.T) {
	const p = "[program:p]\ncommand=/bin/p\n" // lines 1 and 2
	tests := []struct{ text, want string }{
		{p + "startsecs=abc", `conf: t.conf:3: [program:p] startsecs: "abc" is not an integer`},
		{p + "startretries=1.5", `conf: t.conf:3: [program:p] startretries: "1.5" is not an integer`},
		{p + "priority=", `conf: t.conf:3: [program:p] priority: "" is not an integer`},
		{p + "autostart=maybe", `conf: t.conf:3: [program:p] autostart: "maybe" is not a boolean (true, false, yes, no, on, off, 1 or 0)`},
		{p + "autorestart=sometimes", `conf: t.conf:3: [program:p] autorestart: "sometimes" is not true, false or unexpected`},
		{p + "exitcodes=0,256", `conf: t.conf:3: [program:p] exitcodes: "0,256" is not a list of exit codes from 0 to 255, separated by commas`},
		{p + "stopsignal=FOO", `conf: t.conf:3: [program:p] stopsignal: "FOO" is not a signal (such as TERM, HUP, INT, QUIT, KILL, USR1 or USR2)`},
		{p + "stopsignal=99", `conf: t.conf:3: [program:p] stopsignal: "99" is not a signal (such as TERM, HUP, INT, QUIT, KILL, USR1 or USR2)`},
		{p + "stopwaitsecs=10s", `conf: t.conf:3: [program:p] stopwaitsecs: "10s" is not an integer`},
		{p + "stdout_logfile_maxbytes=50M", `conf: t.conf:3: [program:p] stdout_logfile_maxbytes: "50M" is not a size: a number of bytes, or of KB, MB or GB`},
		{p + "stderr_logfile_backups=x", `conf: t.conf:3: [program:p] stderr_logfile_backups: "x" is not an integer`},
		{p + "stdout_capture_maxbytes=1TB", `conf: t.conf:3: [program:p] stdout_capture_maxbytes: "1TB" is not a size: a number of bytes, or of KB, MB or GB`},
		{p + "stdout_events_enabled=2", `conf: t.conf:3: [program:p] stdout_events_enabled: "2" is not a boolean (true, false, yes, no, on, off, 1 or 0)`},
		{p + "stderr_syslog=x", `conf: t.conf:3: [program:p] stderr_syslog: "x" is not a boolean (true, false, yes, no, on, off, 1 or 0)`},
		{p + "redirect_stderr=x", `conf: t.conf:3: [program:p] redirect_stderr: "x" is not a boolean (true, false, yes, no, on, off, 1 or 0)`},
		{p + "umask=8", `conf: t.conf:3: [program:p] umask: "8" is not an octal number`},
		{p + "umask=1000", `conf: t.conf:3: [program:p] umask: "1000" is not a umask from 0 to 777 (octal)`},
		{p + "user=", `conf: t.conf:3: [program:p] user: the user is empty`},
		{p + "colour=blue", `conf: t.conf:3: [program:p] colour: unknown key`},
		{p + "stopasgroup=true\nkillasgroup=false", `conf: t.conf:4: [program:p] killasgroup: stopasgroup is true, so killasgroup cannot be false`},
		{p + "numprocs=2", `conf: t.conf:1: [program:p] process_name: numprocs is 2, so process_name must contain %(process_num)`},
		{p + "numprocs=2\nprocess_name=x", `conf: t.conf:4: [program:p] process_name: numprocs is 2, so process_name must contain %(process_num)`},
		{p + "numprocs=-1", `conf: t.conf:3: [program:p] numprocs: -1 is not from 0 to 4096`},
		{p + "numprocs=5000\nprocess_name=%(process_num)d", `conf: t.conf:3: [program:p] numprocs: 5000 is not from 0 to 4096`},
		{p + "process_name=a b", `conf: t.conf:3: [program:p] process_name: "a b" has a space, tab, line break, ':' or '/' in it`},
		{p + "backoff=fast", `conf: t.conf:3: [program:p] backoff: "fast" is not linear or exponential`},
		{p + "backoff_max=-1s", `conf: t.conf:3: [program:p] backoff_max: "-1s" is negative`},
		{p + "backoff_min=soon", `conf: t.conf:3: [program:p] backoff_min: "soon" is neither a number of seconds nor a duration such as 1m30s`},
		{p + "backoff_multiplier=0.5", `conf: t.conf:3: [program:p] backoff_multiplier: "0.5" is not a number from 1 to 1000000`},
		{p + "backoff_jitter=2", `conf: t.conf:3: [program:p] backoff_jitter: "2" is not a number from 0 to 1`},
		{p + "environment=A=a b", `conf: t.conf:3: [program:p] environment: expected ',' after A=a, not "b"; quote a value that has spaces or punctuation in it`},
		{p + "directory=%(nope)s", `conf: t.conf:3: [program:p] directory: %(nope) names no expansion; there are group_name, here, host_node_name, numprocs, process_num, program_name, ENV_x`},
		{p + "stdout_logfile=/var/log/%(program_name)d.log", `conf: t.conf:3: [program:p] stdout_logfile: %(program_name)d: the value is a string, not a number`},
		{"[program:p]\nautostart=true", `conf: t.conf:1: [program:p] command: the program has no command`},
		{"[program:p]\ncommand=", `conf: t.conf:2: [program:p] command: the command is empty`},
		{"[program:p]\ncommand=/bin/sh -c 'echo", `conf: t.conf:2: [program:p] command: the quote ' is not closed`},
		{"[program:p]\ncommand=50%", `conf: t.conf:2: [program:p] command: a '%' ends the value: write '%%' for a '%'`},
		{"[program:a b]\ncommand=/bin/p", `conf: t.conf:1: [program:a b]: bad program name: "a b" has a space, tab, line break, ':' or '/' in it`},
		{"[program:]\ncommand=/bin/p", `conf: t.conf:1: [program:]: bad program name: the name is empty`},
		{"[supervisord]\nloglevel=loud", `conf: t.conf:2: [supervisord] loglevel: "loud" is not a log level (critical, error, warn, info, debug, trace or blather)`},
		{"[supervisord]\nminfds=many", `conf: t.conf:2: [supervisord] minfds: "many" is not an integer`},
		{"[supervisord]\nlogfile_maxbytes=1TB", `conf: t.conf:2: [supervisord] logfile_maxbytes: "1TB" is not a size: a number of bytes, or of KB, MB or GB`},
		{"[supervisord]\numask=9", `conf: t.conf:2: [supervisord] umask: "9" is not an octal number`},
		{"[supervisord]\nnodaemon=sure", `conf: t.conf:2: [supervisord] nodaemon: "sure" is not a boolean (true, false, yes, no, on, off, 1 or 0)`},
		{"[supervisord]\nenvironment=A", `conf: t.conf:2: [supervisord] environment: expected KEY=value at "A"`},
		{"[supervisord]\nprofile_options=cumulative", `conf: t.conf:2: [supervisord] profile_options: unknown key`},
		{"[unix_http_server]\nchmod=0700", `conf: t.conf:1: [unix_http_server] file: the section has no socket file`},
		{"[unix_http_server]\nfile=/s\nchmod=rw", `conf: t.conf:3: [unix_http_server] chmod: "rw" is not an octal number`},
		{"[unix_http_server]\nfile=/s\nchmod=17777", `conf: t.conf:3: [unix_http_server] chmod: "17777" is not a mode from 0 to 7777 (octal)`},
		{"[unix_http_server]\nfile=/s\nusername=u", `conf: t.conf:1: [unix_http_server]: username and password must be given together`},
		{"[inet_http_server]\nusername=u", `conf: t.conf:1: [inet_http_server] port: the section has no port`},
		{"[inet_http_server]\nport=http", `conf: t.conf:2: [inet_http_server] port: "http" is not a port from 1 to 65535, nor host:port`},
		{"[inet_http_server]\nport=:9001\npassword=p", `conf: t.conf:1: [inet_http_server]: username and password must be given together`},
		{"[supervisorctl]\nhistory=x", `conf: t.conf:2: [supervisorctl] history: unknown key`},
		{"[include]\nfile=x", `conf: t.conf:1: [include]: the section has no files= key`},
		{"[include]\nfiles=%(ENV_NOPE)s", `conf: t.conf:2: [include] files: %(ENV_NOPE) names no expansion; there are here, host_node_name, ENV_x`},
		{"[include]\nfiles=a[.conf", `conf: t.conf:2: [include] files: bad pattern "a[.conf": syntax error in pattern`},
		{"[rpcinterface:supervisor]\nx=y", `conf: t.conf:1: [rpcinterface:supervisor]: the section has no supervisor.rpcinterface_factory key`},
		{"[DEFAULT]\nnope=1\n[program:p]\ncommand=/bin/p", `conf: t.conf:2: [DEFAULT] nope: unknown key: no section has it`},
		{"[group:g]\nprograms=a", `conf: t.conf:2: [group:g] programs: there is no [program:a]`},
		{"[group:g]\nprograms=a,,b\n[program:a]\ncommand=a\n[program:b]\ncommand=b", `conf: t.conf:2: [group:g] programs: there is no [program:]`},
		{"[group:g]\npriority=high", `conf: t.conf:2: [group:g] priority: "high" is not an integer`},
		{"[group:g]\nprogram=a", `conf: t.conf:2: [group:g] program: unknown key`},
		{"[group:g h]\nprograms=a", `conf: t.conf:1: [group:g h]: bad group name: "g h" has a space, tab, line break, ':' or '/' in it`},
		{"[group:g1]\nprograms=a\n[group:g2]\nprograms=a\n[program:a]\ncommand=a",
			`conf: t.conf:4: [group:g2] programs: a is already in [group:g1]; supervisord would run it once in each group, procman runs a program in one group only`},
		{"[group:g]\n[group: g]\n", `conf: t.conf:2: [group: g]: the group g is also [group:g]`},
		{"[group:a]\nprograms=b\n[program:a]\ncommand=a\n[program:b]\ncommand=b",
			`conf: t.conf:1: [group:a]: the group has the name of [program:a], which is not in it; the two groups would clash`},
		{"[program:a]\ncommand=a\nprocess_name=x\n[program:b]\ncommand=b\nprocess_name=x",
			`conf: t.conf:4: [program:b] process_name: the process name "x" is also one of [program:a]; procman needs the names of processes to be unique`},
		{"[eventlistener:crash]\ncommand=crashmail\nevents=PROCESS_STATE", `conf: t.conf:1: [eventlistener:crash]: procman does not support eventlistener sections; remove the section or run it as a [program:x]`},
		{"[fcgi-program:php]\ncommand=php-cgi\nsocket=tcp://127.0.0.1:9000", `conf: t.conf:1: [fcgi-program:php]: procman does not support fcgi-program sections; remove the section or run it as a [program:x]`},
		{"[program:p]\ncommand=/bin/p\nprocess_name=p\tq", `conf: t.conf:3: [program:p] process_name: "p\tq" has a space, tab, line break, ':' or '/' in it`},
	}
	for _, tt := range tests {
		_, err := parse(t, tt.text)
		if err == nil {
			t.Errorf("%q: no error\nwant %s", tt.text, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%q:\ngot  %s\nwant %s", tt.text, err, tt.want)
		}
		var e *Error
		if !errors.Is(err, ErrConfig) || !errors.As(err, &e) || e.File != "t.conf" {
			t.Errorf("%q: %v is not an *Error of t.conf that wraps ErrConfig", tt.text, err)
		}
	}
}

// A small file cannot expand to gigabytes.
func TestExpansionLimits(t *testing.T) {
	_, err := parse(t, "[program:p]\ncommand=x %(process_num)9999d"+strings.Repeat("%(process_num)9999d", 13))
	if want := "conf: t.conf:2: [program:p] command: the value expands to more than 128 KiB"; err == nil || err.Error() != want {
		t.Errorf("a long value:\ngot  %v\nwant %s", err, want)
	}
	_, err = parse(t, "[program:p]\nnumprocs=4096\nprocess_name=%(process_num)d\ncommand=x "+strings.Repeat("%(process_num)999d", 10))
	if want := "conf: t.conf:4: [program:p] command: the configuration expands to more than 32 MiB"; err == nil || err.Error() != want {
		t.Errorf("many processes:\ngot  %v\nwant %s", err, want)
	}
}

func TestErrorUnsupported(t *testing.T) {
	for _, text := range []string{"[eventlistener:x]\ncommand=x", "[fcgi-program:x]\ncommand=x"} {
		_, err := parse(t, text)
		if !errors.Is(err, errors.ErrUnsupported) || !errors.Is(err, ErrConfig) {
			t.Errorf("%q: %v does not wrap errors.ErrUnsupported and ErrConfig", text, err)
		}
	}
}

func TestErrorFields(t *testing.T) {
	_, err := parse(t, "[supervisord]\n\n[program:web]\ncommand=/bin/web\nstartsecs=abc\n")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%v is not an *Error", err)
	}
	want := Error{File: "t.conf", Line: 5, Section: "program:web", Key: "startsecs", Msg: `"abc" is not an integer`}
	if *e != want {
		t.Errorf("got  %#v\nwant %#v", *e, want)
	}
	if got := (&Error{Msg: "m"}).Error(); got != "conf: m" {
		t.Errorf("an Error with a message only: %q", got)
	}
	if got := (&Error{File: "f", Key: "k", Msg: "m"}).Error(); got != "conf: f: k: m" {
		t.Errorf("an Error of a file and a key: %q", got)
	}
}

// procman refuses what its Validate refuses; the error says so.
func TestErrorFromValidate(t *testing.T) {
	_, err := parse(t, "[program:p]\ncommand=/bin/p\nstdout_logfile=/a\x00b\n")
	if !errors.Is(err, procman.ErrConfig) || !errors.Is(err, ErrConfig) {
		t.Fatalf("%v does not wrap procman.ErrConfig and ErrConfig", err)
	}
	if !strings.HasPrefix(err.Error(), "conf: t.conf:1: [program:p]: procman refuses the program: ") {
		t.Errorf("error %v", err)
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load("testdata/no-such.conf")
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrConfig) || e.File != "testdata/no-such.conf" {
		t.Fatalf("Load of a missing file: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "conf: testdata/no-such.conf: cannot read the file: ") {
		t.Errorf("error %v", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestParseReadError(t *testing.T) {
	_, err := Parse("stdin", failingReader{}, nil)
	if err == nil || err.Error() != "conf: stdin: cannot read the file: disk on fire" || !errors.Is(err, ErrConfig) {
		t.Errorf("error %v", err)
	}
}
