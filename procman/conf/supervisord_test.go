//go:build unix

package conf

import (
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// abs is filepath.Abs, which cannot fail for these names.
func abs(t *testing.T, name string) string {
	t.Helper()
	a, err := filepath.Abs(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSupervisordDefaults(t *testing.T) {
	for _, text := range []string{"", "[supervisord]\n"} {
		f := mustParse(t, text)
		want := Supervisord{
			Logfile:         abs(t, "supervisord.log"),
			LogfileMaxBytes: 50 << 20,
			LogfileBackups:  10,
			LogLevel:        slog.LevelInfo,
			Pidfile:         abs(t, "supervisord.pid"),
			Umask:           0o22,
			Minfds:          1024,
			Minprocs:        200,
			Childlogdir:     "/tmp/t",
			Identifier:      "supervisor",
		}
		if !reflect.DeepEqual(f.Supervisord, want) {
			t.Errorf("%q:\ngot  %+v\nwant %+v", text, f.Supervisord, want)
		}
		if f.UnixHTTPServer != nil || f.InetHTTPServer != nil || f.Supervisorctl != nil || f.Programs != nil || f.Groups != nil {
			t.Errorf("%q: sections that are not there: %+v", text, f)
		}
	}
}

func TestSupervisordKeys(t *testing.T) {
	f := mustParse(t, `
[supervisord]
logfile = %(here)s/log/sd.log
logfile_maxbytes = 1MB
logfile_backups = 0
loglevel = Debug
pidfile = ~/sd.pid
umask = 077
nodaemon = true
silent = yes
minfds = 4096
minprocs = 50
nocleanup = on
childlogdir = ~/logs
user = sv
directory = /srv
strip_ansi = 1
environment = A="x y",B=%(ENV_X)s
identifier = main
`)
	want := Supervisord{
		Logfile:         "/etc/sv/log/sd.log",
		LogfileMaxBytes: 1 << 20,
		LogLevel:        slog.LevelDebug,
		Pidfile:         "/home/u/sd.pid",
		Umask:           0o77,
		Nodaemon:        true,
		Silent:          true,
		Minfds:          4096,
		Minprocs:        50,
		Nocleanup:       true,
		Childlogdir:     "/home/u/logs",
		User:            "sv",
		Directory:       "/srv",
		StripANSI:       true,
		Environment:     []string{"A=x y", "B=ex"},
		Identifier:      "main",
	}
	if !reflect.DeepEqual(f.Supervisord, want) {
		t.Errorf("got  %+v\nwant %+v", f.Supervisord, want)
	}
	if f := mustParse(t, "[supervisord]\nlogfile=syslog\nloglevel=blather\n"); f.Supervisord.Logfile != "syslog" || f.Supervisord.LogLevel != LevelBlather {
		t.Errorf("logfile %q, loglevel %v; want syslog kept as it is, and blather", f.Supervisord.Logfile, f.Supervisord.LogLevel)
	}
}

// AUTO logs go to childlogdir, named after the process and identifier.
func TestAutoLog(t *testing.T) {
	f := mustParse(t, "[supervisord]\nchildlogdir=/var/log/sv\nidentifier=box\n[program:p]\ncommand=/bin/p\n")
	p := f.Programs[0]
	if p.Stdout.File != "/var/log/sv/p-stdout---box-auto.log" || p.Stderr.File != "/var/log/sv/p-stderr---box-auto.log" {
		t.Errorf("stdout %q, stderr %q", p.Stdout.File, p.Stderr.File)
	}
}

func TestServers(t *testing.T) {
	f := mustParse(t, `
[unix_http_server]
file = %(here)s/run/sv.sock
chmod = 0770
chown = nobody:nogroup
username = user
password = {SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d

[inet_http_server]
port = 127.0.0.1:9001
username = u
password = p

[supervisorctl]
serverurl = unix://%(here)s/run/sv.sock
username = user
password = 123
prompt = box
history_file = ~/.sc_history
`)
	if want := (UnixHTTPServer{File: "/etc/sv/run/sv.sock", Chmod: 0o770, Chown: "nobody:nogroup", Username: "user",
		Password: "{SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d"}); f.UnixHTTPServer == nil || *f.UnixHTTPServer != want {
		t.Errorf("unix_http_server %+v\nwant %+v", f.UnixHTTPServer, want)
	}
	if want := (InetHTTPServer{Host: "127.0.0.1", Port: 9001, Username: "u", Password: "p"}); f.InetHTTPServer == nil || *f.InetHTTPServer != want {
		t.Errorf("inet_http_server %+v\nwant %+v", f.InetHTTPServer, want)
	}
	if want := (Supervisorctl{ServerURL: "unix:///etc/sv/run/sv.sock", Username: "user", Password: "123", Prompt: "box",
		HistoryFile: "/home/u/.sc_history"}); f.Supervisorctl == nil || *f.Supervisorctl != want {
		t.Errorf("supervisorctl %+v\nwant %+v", f.Supervisorctl, want)
	}
	if got := f.InetHTTPServer.Addr(); got != "127.0.0.1:9001" {
		t.Errorf("Addr() = %q", got)
	}
}

func TestServerDefaults(t *testing.T) {
	f := mustParse(t, "[unix_http_server]\nfile=sv.sock\n[inet_http_server]\nport=*:9001\n[supervisorctl]\n")
	if want := (UnixHTTPServer{File: abs(t, "sv.sock"), Chmod: 0o700}); *f.UnixHTTPServer != want {
		t.Errorf("unix_http_server %+v\nwant %+v", f.UnixHTTPServer, want)
	}
	if want := (InetHTTPServer{Port: 9001}); *f.InetHTTPServer != want {
		t.Errorf("inet_http_server %+v\nwant %+v", f.InetHTTPServer, want)
	}
	if got := f.InetHTTPServer.Addr(); got != ":9001" {
		t.Errorf("Addr() = %q", got)
	}
	if want := (Supervisorctl{ServerURL: "http://localhost:9001", Prompt: "supervisor"}); *f.Supervisorctl != want {
		t.Errorf("supervisorctl %+v\nwant %+v", f.Supervisorctl, want)
	}
	if f := mustParse(t, "[inet_http_server]\nport=[::1]:9001\n"); f.InetHTTPServer.Addr() != "[::1]:9001" {
		t.Errorf("IPv6: Addr() = %q", f.InetHTTPServer.Addr())
	}
}

func TestGroups(t *testing.T) {
	f := mustParse(t, `
[group:svc]
programs = worker, web
priority = 5

[program:web]
command = /bin/web
process_name = web%(process_num)d
numprocs = 2
priority = 20

[program:worker]
command = /bin/worker %(group_name)s
priority = 10

[program:cron]
command = /bin/cron
priority = 1
`)
	if want := []Group{{Name: "svc", Priority: 5, Programs: []string{"worker", "web0", "web1"}}}; !reflect.DeepEqual(f.Groups, want) {
		t.Errorf("groups %+v\nwant %+v", f.Groups, want)
	}
	var got []string
	for _, p := range f.Programs {
		got = append(got, p.Group+":"+p.Name)
	}
	// cron's group (priority 1) before svc (5); within svc, worker (10)
	// before web (20).
	if want := []string{":cron", "svc:worker", "svc:web0", "svc:web1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("programs %q, want %q", got, want)
	}
	if args := f.Programs[1].Args; !reflect.DeepEqual(args, []string{"svc"}) {
		t.Errorf("worker's %%(group_name)s: %q, want svc", args)
	}
}

func TestGroupOfItsOwnName(t *testing.T) {
	f := mustParse(t, "[group:web]\nprograms=web\n[program:web]\ncommand=/bin/web\n")
	if p := f.Programs[0]; p.Name != "web" || p.Group != "" {
		t.Errorf("name %q, group %q; want web and its own group", p.Name, p.Group)
	}
}

func TestGroupWithoutPrograms(t *testing.T) {
	f := mustParse(t, "[group:g]\n")
	if want := []Group{{Name: "g", Priority: 999}}; !reflect.DeepEqual(f.Groups, want) {
		t.Errorf("groups %+v", f.Groups)
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], "the group has no programs") {
		t.Errorf("warnings %q", f.Warnings)
	}
}

func TestProgramOrder(t *testing.T) {
	f := mustParse(t, "[program:c]\ncommand=c\n[program:b]\ncommand=b\npriority=1\n[program:a]\ncommand=a\n[program:d]\ncommand=d\npriority=999\n")
	var got []string
	for _, p := range f.Programs {
		got = append(got, p.Name)
	}
	if want := []string{"b", "a", "c", "d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("order %q, want %q (by priority, then name)", got, want)
	}
}

func TestIgnoredSections(t *testing.T) {
	f := mustParse(t, `
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[rpcinterface:twiddler]
supervisor.rpcinterface_factory = supervisor_twiddler.rpcinterface:make_twiddler_rpcinterface

[ctlplugin:quick]
supervisor.ctl_factory = supervisor_quick:make_quick_controllerplugin

[program_disabled:old]
command = /bin/old
`)
	want := []string{
		"t.conf:6: [rpcinterface:twiddler] supervisor.rpcinterface_factory: supervisor_twiddler.rpcinterface:make_twiddler_rpcinterface is not supervisord's own interface; procman ignores the section",
		"t.conf:8: [ctlplugin:quick]: supervisorctl plugins are ignored",
		"t.conf:11: [program_disabled:old]: unknown section, ignored as supervisord ignores it",
	}
	if !reflect.DeepEqual(f.Warnings, want) {
		t.Errorf("warnings %q\nwant %q", f.Warnings, want)
	}
	if len(f.Programs) != 0 {
		t.Errorf("programs %+v", f.Programs)
	}
}
