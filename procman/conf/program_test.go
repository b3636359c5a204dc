//go:build unix

package conf

import (
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/procman"
)

// testOptions are the Options of parse: a fixed directory, environment
// and host name.
func testOptions() *Options {
	return &Options{Dir: "/etc/sv", Environ: []string{"HOME=/home/u", "TMPDIR=/tmp/t", "X=ex"}, Hostname: "host1"}
}

// parse parses text as t.conf in /etc/sv, with testOptions.
func parse(t *testing.T, text string) (*File, error) {
	t.Helper()
	return Parse("t.conf", strings.NewReader(text), testOptions())
}

// mustParse is parse that fails the test on an error.
func mustParse(t *testing.T, text string) *File {
	t.Helper()
	f, err := parse(t, text)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// defaultProgram is what "[program:p]\ncommand=/bin/p" parses to.
func defaultProgram() procman.Program {
	return procman.Program{
		Name:         "p",
		Command:      "/bin/p",
		AutoStart:    true,
		AutoRestart:  procman.RestartUnexpected,
		ExitCodes:    []int{0},
		StartPeriod:  time.Second,
		StartRetries: 3,
		Backoff:      procman.Backoff{Linear: true},
		StopSignal:   syscall.SIGTERM,
		StopWait:     10 * time.Second,
		Priority:     999,
		Stdout:       procman.Log{File: "/tmp/t/p-stdout---supervisor-auto.log", MaxBytes: 50 << 20, Backups: 10},
		Stderr:       procman.Log{File: "/tmp/t/p-stderr---supervisor-auto.log", MaxBytes: 50 << 20, Backups: 10},
	}
}

func TestProgramDefaults(t *testing.T) {
	f := mustParse(t, "[program:p]\ncommand=/bin/p\n")
	if len(f.Programs) != 1 {
		t.Fatalf("%d programs, want 1", len(f.Programs))
	}
	if got, want := f.Programs[0], defaultProgram(); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if len(f.Warnings) != 0 {
		t.Errorf("warnings: %q", f.Warnings)
	}
}

// TestProgramKeys sets each key of [program:x] and checks the Program.
func TestProgramKeys(t *testing.T) {
	one := 1
	tests := []struct {
		lines string
		edit  func(p *procman.Program)
	}{
		{"command=/bin/p -v 'a b' \"c\\\"d\" e\\ f", func(p *procman.Program) { p.Args = []string{"-v", "a b", `c"d`, "e f"} }},
		{"command=p\n  --flag ; comment", func(p *procman.Program) { p.Command, p.Args = "p", []string{"--flag"} }},
		{"process_name=%(program_name)s-x", func(p *procman.Program) {
			p.Name, p.Group = "p-x", "p"
			p.Stdout.File, p.Stderr.File = "/tmp/t/p-x-stdout---supervisor-auto.log", "/tmp/t/p-x-stderr---supervisor-auto.log"
		}},
		{"priority=5", func(p *procman.Program) { p.Priority = 5 }},
		{"priority=-1", func(p *procman.Program) { p.Priority = -1 }},
		{"autostart=false", func(p *procman.Program) { p.AutoStart = false }},
		{"startsecs=5", func(p *procman.Program) { p.StartPeriod = 5 * time.Second }},
		{"startsecs=0", func(p *procman.Program) { p.StartPeriod = -1 }},
		{"startretries=7", func(p *procman.Program) { p.StartRetries = 7 }},
		{"startretries=0", func(p *procman.Program) { p.StartRetries = -1 }},
		{"autorestart=true", func(p *procman.Program) { p.AutoRestart = procman.RestartAlways }},
		{"autorestart=false", func(p *procman.Program) { p.AutoRestart = procman.RestartNever }},
		{"autorestart=unexpected", func(*procman.Program) {}},
		{"exitcodes=0,2", func(p *procman.Program) { p.ExitCodes = []int{0, 2} }},
		{"exitcodes=", func(p *procman.Program) { p.ExitCodes = []int{} }},
		{"stopsignal=KILL", func(p *procman.Program) { p.StopSignal = syscall.SIGKILL }},
		{"stopsignal=sigusr1", func(p *procman.Program) { p.StopSignal = syscall.SIGUSR1 }},
		{"stopsignal=2", func(p *procman.Program) { p.StopSignal = syscall.SIGINT }},
		{"stopwaitsecs=30", func(p *procman.Program) { p.StopWait = 30 * time.Second }},
		{"stopwaitsecs=0", func(p *procman.Program) { p.StopWait = -1 }},
		{"stopasgroup=true", func(p *procman.Program) { p.StopAsGroup, p.KillAsGroup = true, true }},
		{"killasgroup=true", func(p *procman.Program) { p.KillAsGroup = true }},
		{"stopasgroup=true\nkillasgroup=true", func(p *procman.Program) { p.StopAsGroup, p.KillAsGroup = true, true }},
		{"user=nobody", func(p *procman.Program) { p.User = "nobody" }},
		{"redirect_stderr=true", func(p *procman.Program) { p.RedirectStderr, p.Stderr = true, procman.Log{} }},
		{"stdout_logfile=/var/log/p.log", func(p *procman.Program) { p.Stdout.File = "/var/log/p.log" }},
		{"stdout_logfile=~/p.log", func(p *procman.Program) { p.Stdout.File = "/home/u/p.log" }},
		{"stdout_logfile=logs/p.log", func(p *procman.Program) { p.Stdout.File = "logs/p.log" }},
		{"stdout_logfile=%(here)s/%(program_name)s.log", func(p *procman.Program) { p.Stdout.File = "/etc/sv/p.log" }},
		{"stdout_logfile=NONE", func(p *procman.Program) { p.Stdout.File = "" }},
		{"stdout_logfile=off", func(p *procman.Program) { p.Stdout.File = "" }},
		{"stdout_logfile=", func(p *procman.Program) { p.Stdout.File = "" }},
		{"stdout_logfile=auto", func(*procman.Program) {}},
		{"stdout_logfile=syslog", func(p *procman.Program) { p.Stdout.File = "" }},
		{"stdout_logfile_maxbytes=1KB", func(p *procman.Program) { p.Stdout.MaxBytes = 1024 }},
		{"stdout_logfile_maxbytes=0", func(p *procman.Program) { p.Stdout.MaxBytes = -1 }},
		{"stdout_logfile_backups=3", func(p *procman.Program) { p.Stdout.Backups = 3 }},
		{"stdout_logfile_backups=0", func(p *procman.Program) { p.Stdout.Backups = -1 }},
		{"stderr_logfile=/var/log/p.err", func(p *procman.Program) { p.Stderr.File = "/var/log/p.err" }},
		{"stderr_logfile=none", func(p *procman.Program) { p.Stderr.File = "" }},
		{"stderr_logfile_maxbytes=2MB", func(p *procman.Program) { p.Stderr.MaxBytes = 2 << 20 }},
		{"stderr_logfile_maxbytes=0", func(p *procman.Program) { p.Stderr.MaxBytes = -1 }},
		{"stderr_logfile_backups=1", func(p *procman.Program) { p.Stderr.Backups = 1 }},
		{"stderr_logfile_backups=0", func(p *procman.Program) { p.Stderr.Backups = -1 }},
		{`environment=A="1, 2",B=b/c.d`, func(p *procman.Program) { p.Env = []string{"A=1, 2", "B=b/c.d"} }},
		{"directory=%(here)s/run", func(p *procman.Program) { p.Dir = "/etc/sv/run" }},
		{"umask=002", func(p *procman.Program) { two := 2; p.Umask = &two }},
		{"umask=1", func(p *procman.Program) { p.Umask = &one }},
		{"serverurl=AUTO", func(*procman.Program) {}},
		{"stdout_capture_maxbytes=1MB", func(*procman.Program) {}},
		{"stderr_capture_maxbytes=0", func(*procman.Program) {}},
		{"stdout_events_enabled=true", func(*procman.Program) {}},
		{"stderr_events_enabled=false", func(*procman.Program) {}},
		{"stdout_syslog=true", func(*procman.Program) {}},
		{"stderr_syslog=false", func(*procman.Program) {}},
		{"backoff=exponential", func(p *procman.Program) { p.Backoff.Linear = false }},
		{"backoff=Linear", func(*procman.Program) {}},
		{"backoff_min=2", func(p *procman.Program) { p.Backoff.Min = 2 * time.Second }},
		{"backoff_max=1m", func(p *procman.Program) { p.Backoff.Max = time.Minute }},
		{"backoff_reset=1m30s", func(p *procman.Program) { p.Backoff.ResetAfter = 90 * time.Second }},
		{"backoff_multiplier=1.5", func(p *procman.Program) { p.Backoff.Multiplier = 1.5 }},
		{"backoff_jitter=0.5", func(p *procman.Program) { p.Backoff.Jitter = 0.5 }},
		{"backoff_jitter=0", func(p *procman.Program) { p.Backoff.Jitter = -1 }},
		{"COMMAND = /bin/q", func(p *procman.Program) { p.Command = "/bin/q" }},
	}
	for _, tt := range tests {
		t.Run(tt.lines, func(t *testing.T) {
			f := mustParse(t, "[program:p]\ncommand=/bin/p\n"+tt.lines+"\n")
			want := defaultProgram()
			tt.edit(&want)
			if len(f.Programs) != 1 {
				t.Fatalf("%d programs, want 1", len(f.Programs))
			}
			if got := f.Programs[0]; !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

// TestProgramKeysAreKnown checks that the table of keys above and the
// parser agree: every key the parser knows is set by some test.
func TestProgramKeysAreKnown(t *testing.T) {
	for _, k := range programKeys() {
		f, err := parse(t, "[program:p]\ncommand=/bin/p\n"+k+"=1\n")
		if err != nil && strings.Contains(err.Error(), "unknown key") {
			t.Errorf("%s: %v", k, err)
		}
		_ = f
	}
}

func TestProgramExpansions(t *testing.T) {
	f := mustParse(t, `
[supervisord]
environment = SD="from supervisord",X=overridden

[program:p]
command = /bin/p %(program_name)s %(group_name)s %(host_node_name)s %(ENV_HOME)s %(ENV_X)s %(ENV_SD)s
    %(ENV_MINE)s %(process_num)d %(numprocs)d %(here)s 100%%
environment = MINE="mine %(ENV_HOME)s",N=%(process_num)03d
directory = %(ENV_MINE)s
`)
	p := f.Programs[0]
	// The command is split after it is expanded, as supervisord does.
	want := []string{"p", "p", "host1", "/home/u", "overridden", "from", "supervisord", "mine", "/home/u", "0", "1", "/etc/sv", "100%"}
	if !reflect.DeepEqual(p.Args, want) {
		t.Errorf("args %q\nwant %q", p.Args, want)
	}
	if want := []string{"SD=from supervisord", "X=overridden", "MINE=mine /home/u", "N=000"}; !reflect.DeepEqual(p.Env, want) {
		t.Errorf("env %q, want %q", p.Env, want)
	}
	if p.Dir != "mine /home/u" {
		t.Errorf("dir %q, want the program's own ENV_MINE", p.Dir)
	}
}

func TestProgramEnvironmentMerge(t *testing.T) {
	f := mustParse(t, "[supervisord]\nenvironment=A=1,B=2\n[program:p]\ncommand=/bin/p\nenvironment=B=3,C=4\n[program:q]\ncommand=/bin/q\n")
	if got, want := f.Programs[0].Env, []string{"A=1", "B=3", "C=4"}; !reflect.DeepEqual(got, want) {
		t.Errorf("p's env %q, want %q", got, want)
	}
	if got, want := f.Programs[1].Env, []string{"A=1", "B=2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("q's env %q, want %q", got, want)
	}
}

func TestNumProcs(t *testing.T) {
	f := mustParse(t, `
[program:web]
command = /bin/web --port 80%(process_num)02d
process_name = %(program_name)s_%(process_num)02d
numprocs = 3
numprocs_start = 1
stdout_logfile = /var/log/%(program_name)s-%(process_num)d.log
`)
	var names, ports, logs, groups []string
	for _, p := range f.Programs {
		names = append(names, p.Name)
		groups = append(groups, p.Group)
		ports = append(ports, p.Args[1])
		logs = append(logs, p.Stdout.File+" "+p.Stderr.File)
		if p.NumProcs != 0 || p.ProcessName != "" {
			t.Errorf("%s: NumProcs %d, ProcessName %q; want one process, named by Name", p.Name, p.NumProcs, p.ProcessName)
		}
	}
	check := func(what string, got, want []string) {
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s %q\nwant %q", what, got, want)
		}
	}
	check("names", names, []string{"web_01", "web_02", "web_03"})
	check("groups", groups, []string{"web", "web", "web"})
	check("ports", ports, []string{"8001", "8002", "8003"})
	check("logs", logs, []string{
		"/var/log/web-1.log /tmp/t/web_01-stderr---supervisor-auto.log",
		"/var/log/web-2.log /tmp/t/web_02-stderr---supervisor-auto.log",
		"/var/log/web-3.log /tmp/t/web_03-stderr---supervisor-auto.log",
	})
}

func TestNumProcsFormats(t *testing.T) {
	tests := []struct {
		name  string
		start int
		want  []string
	}{
		{"%(process_num)d", 0, []string{"0", "1"}},
		{"w%(process_num)03d", 9, []string{"w009", "w010"}},
		{"w%(process_num)x", 15, []string{"wf", "w10"}}, // in process_num order, as supervisord starts them
		{"%(group_name)s-%(process_num)s-of-%(numprocs)d", -1, []string{"p--1-of-2", "p-0-of-2"}},
	}
	for _, tt := range tests {
		f := mustParse(t, "[program:p]\ncommand=/bin/p\nnumprocs=2\nprocess_name="+tt.name+"\nnumprocs_start="+itoa(tt.start)+"\n")
		var names []string
		for _, p := range f.Programs {
			names = append(names, p.Name)
		}
		if !reflect.DeepEqual(names, tt.want) {
			t.Errorf("process_name=%s from %d: %q, want %q", tt.name, tt.start, names, tt.want)
		}
	}
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + itoa(n%10)
}

func TestNumProcsZero(t *testing.T) {
	f := mustParse(t, "[program:p]\ncommand=/bin/p\nnumprocs=0\n")
	if len(f.Programs) != 0 {
		t.Errorf("%d programs, want none", len(f.Programs))
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], "no processes") {
		t.Errorf("warnings %q", f.Warnings)
	}
}

func TestProgramWarnings(t *testing.T) {
	tests := []struct{ lines, want string }{
		{"stdout_syslog=true", "t.conf:3: [program:p] stdout_syslog: procman does not send output to syslog; the key is ignored"},
		{"stderr_logfile=syslog", "t.conf:3: [program:p] stderr_logfile: stderr_logfile=syslog is deprecated in supervisord, and procman has no syslog: the stream is discarded"},
		{"stdout_events_enabled=true", "t.conf:3: [program:p] stdout_events_enabled: output events only serve event listeners, which procman does not run; ignored"},
		{"stderr_capture_maxbytes=1MB", "t.conf:3: [program:p] stderr_capture_maxbytes: capture mode only serves event listeners, which procman does not run; ignored"},
		{"stdout_logfile_maxbytes=0", "t.conf:3: [program:p] stdout_logfile_maxbytes: AUTO logging without rotation; set a maxbytes above 0 so that the log does not fill the disk"},
		{"redirect_stderr=true\nstderr_logfile=/x.log", "t.conf:4: [program:p] stderr_logfile: redirect_stderr is true, so stderr goes to the stdout log and this file is not used"},
		{"priority=1\npriority=2", "t.conf:4: [program:p] priority: set again in this section; the last value wins"},
	}
	for _, tt := range tests {
		f := mustParse(t, "[program:p]\ncommand=/bin/p\n"+tt.lines+"\n")
		if len(f.Warnings) != 1 || f.Warnings[0] != tt.want {
			t.Errorf("%s: warnings %q\nwant %q", tt.lines, f.Warnings, tt.want)
		}
	}
	// A warning of a key is given once, not once per process.
	f := mustParse(t, "[program:p]\ncommand=/bin/p\nnumprocs=3\nprocess_name=p%(process_num)d\nstdout_syslog=true\n")
	if len(f.Warnings) != 1 {
		t.Errorf("numprocs=3: warnings %q, want one", f.Warnings)
	}
}

func TestDefaultSection(t *testing.T) {
	f := mustParse(t, "[DEFAULT]\nstartsecs=7\nautostart=false\n[supervisord]\n[program:p]\ncommand=/bin/p\n[program:q]\ncommand=/bin/q\nstartsecs=2\n")
	if p, q := f.Programs[0], f.Programs[1]; p.StartPeriod != 7*time.Second || q.StartPeriod != 2*time.Second || p.AutoStart || q.AutoStart {
		t.Errorf("p: %v %v, q: %v %v; want 7s false, 2s false", p.StartPeriod, p.AutoStart, q.StartPeriod, q.AutoStart)
	}
}
