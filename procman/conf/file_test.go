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

// TestLoadFull loads testdata/full.conf, which sets every key.
func TestLoadFull(t *testing.T) {
	f, err := Load("testdata/full.conf")
	if err != nil {
		t.Fatal(err)
	}
	dir := abs(t, "testdata")
	if len(f.Warnings) != 0 {
		t.Errorf("warnings %q", f.Warnings)
	}
	if want := []string{"testdata/full.conf", "testdata/include/nested/deep.ini"}; !reflect.DeepEqual(f.Files, want) {
		t.Errorf("files %q, want %q", f.Files, want)
	}
	if want := []Group{{Name: "site", Priority: 50, Programs: []string{"web_01", "web_02", "worker"}}}; !reflect.DeepEqual(f.Groups, want) {
		t.Errorf("groups %+v", f.Groups)
	}
	var names []string
	for _, p := range f.Programs {
		names = append(names, p.Name)
	}
	if want := []string{"web_01", "web_02", "worker", "deep"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("programs %q, want %q", names, want)
	}
	umask := 0o22
	web := procman.Program{
		Name:         "web_02",
		Group:        "site",
		Command:      "/usr/bin/python3",
		Args:         []string{"-m", "http.server", "8002", "--bind", "127.0.0.1"},
		Env:          []string{"LANG=C.UTF-8", "TZ=UTC", "PORT=8002", "NAME=web 2"},
		Dir:          dir + "/www",
		User:         "www-data",
		Umask:        &umask,
		AutoStart:    true,
		AutoRestart:  procman.RestartUnexpected,
		ExitCodes:    []int{0, 2},
		StartPeriod:  5 * time.Second,
		StartRetries: 10,
		Backoff:      procman.Backoff{Min: 500 * time.Millisecond, Max: 30 * time.Second, ResetAfter: 5 * time.Minute, Multiplier: 1.5, Jitter: 0.1},
		StopSignal:   syscall.SIGINT,
		StopWait:     20 * time.Second,
		StopAsGroup:  true,
		KillAsGroup:  true,
		Priority:     100,
		Stdout:       procman.Log{File: dir + "/log/web-2.log", MaxBytes: 1 << 20, Backups: 3},
		Stderr:       procman.Log{File: dir + "/log/web_02-stderr---box-auto.log", MaxBytes: 2 << 20, Backups: -1},
	}
	if !reflect.DeepEqual(f.Programs[1], web) {
		t.Errorf("web_02:\ngot  %+v\nwant %+v", f.Programs[1], web)
	}
	if w := f.Programs[2]; w.Args[0] != "--queue=UTC" || w.Stdout.File != "" || !w.RedirectStderr || w.Stderr != (procman.Log{}) {
		t.Errorf("worker: %+v", w)
	}
	if f.Supervisord.Identifier != "box" || f.Supervisord.Directory != dir || f.UnixHTTPServer.File != dir+"/run/supervisor.sock" {
		t.Errorf("supervisord %+v, unix_http_server %+v", f.Supervisord, f.UnixHTTPServer)
	}
}

// Parse with nil Options takes %(here)s from the name, made absolute.
func TestParseDirFromName(t *testing.T) {
	f, err := Parse("etc/sv.conf", strings.NewReader("[program:p]\ncommand=%(here)s/p\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := abs(t, "etc") + "/p"; f.Programs[0].Command != want {
		t.Errorf("command %q, want %q", f.Programs[0].Command, want)
	}
}

// The environment and host name of the Options are what ENV_ and
// host_node_name expand to.
func TestParseOptions(t *testing.T) {
	f, err := Parse("x.conf", strings.NewReader("[program:p]\ncommand=p %(ENV_A)s %(host_node_name)s\n"),
		&Options{Environ: []string{"A=1", "=ignored", "junk"}, Hostname: "box"})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Programs[0].Args; !reflect.DeepEqual(got, []string{"1", "box"}) {
		t.Errorf("args %q", got)
	}
}
