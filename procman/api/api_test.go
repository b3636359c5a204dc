//go:build unix

package api_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/procman"
	"github.com/dmicro-go/dmicro/procman/api"
	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// env is a supervisor served by the API on a unix socket, and a client.
type env struct {
	sup    *procman.Supervisor
	cli    *xmlrpc.Client
	url    string
	dir    string
	reread func() ([]procman.Program, error)
	mu     sync.Mutex
}

func sleeper(name, dir string) procman.Program {
	return procman.Program{
		Name: name, Command: "/bin/sh", Args: []string{"-c", "echo hello from " + name + "; exec sleep 1000"},
		AutoStart: true, StartPeriod: 100 * time.Millisecond, Priority: 999,
		Stdout: procman.Log{File: filepath.Join(dir, name+".log")},
	}
}

func newEnv(t *testing.T, progs []procman.Program, user, pass string) *env {
	t.Helper()
	leakcheck.Check(t)
	dir, err := os.MkdirTemp("", "pmapi") // short: a unix socket path has ~107 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sup, err := procman.New(procman.Config{})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{sup: sup, dir: dir}
	if progs == nil {
		progs = []procman.Program{sleeper("a", dir), sleeper("b", dir)}
	}
	h, err := api.New(api.Config{
		Supervisor: sup,
		Programs:   progs,
		Reread: func() ([]procman.Program, error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			if e.reread == nil {
				return progs, nil
			}
			return e.reread()
		},
		Username: user, Password: pass,
	})
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "s.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	if _, err := sup.Update(ctx, progs); err != nil {
		t.Fatal(err)
	}
	e.url = "unix://" + sock
	e.cli, err = xmlrpc.NewClient(e.url, &xmlrpc.ClientOptions{Username: user, Password: pass})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		e.cli.Close()
		srv.Close()
		sup.Close()
	})
	return e
}

func (e *env) call(t *testing.T, method string, reply any, args ...any) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return e.cli.Call(ctx, method, args, reply)
}

// wantFault checks that err is a fault of code.
func wantFault(t *testing.T, err error, code int) {
	t.Helper()
	var f *xmlrpc.Fault
	if !errors.As(err, &f) || f.Code != code {
		t.Fatalf("got %v, want fault %s", err, xmlrpc.FaultName(code))
	}
}

func (e *env) waitState(t *testing.T, name string, state procman.State) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		i, err := e.sup.Info(name)
		if err == nil && i.State == state {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never %v (is %v, %v)", name, state, i.State, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStatusStartStop(t *testing.T) {
	e := newEnv(t, nil, "", "")
	e.waitState(t, "a", procman.StateRunning)
	e.waitState(t, "b", procman.StateRunning)
	var version string
	if err := e.call(t, "supervisor.getVersion", &version); err != nil || version != api.APIVersion {
		t.Fatalf("getVersion: %q, %v", version, err)
	}
	var infos []map[string]any
	if err := e.call(t, "supervisor.getAllProcessInfo", &infos); err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 || infos[0]["name"] != "a" || infos[0]["statename"] != "RUNNING" || !strings.HasPrefix(infos[0]["description"].(string), "pid ") {
		t.Fatalf("getAllProcessInfo: %v", infos)
	}
	var ok bool
	if err := e.call(t, "supervisor.stopProcess", &ok, "a"); err != nil || !ok {
		t.Fatalf("stopProcess: %v, %v", ok, err)
	}
	wantFault(t, e.call(t, "supervisor.stopProcess", &ok, "a"), xmlrpc.FaultNotRunning)
	wantFault(t, e.call(t, "supervisor.stopProcess", &ok, "nosuch"), xmlrpc.FaultBadName)
	if err := e.call(t, "supervisor.startProcess", &ok, "a", true); err != nil || !ok {
		t.Fatalf("startProcess: %v, %v", ok, err)
	}
	wantFault(t, e.call(t, "supervisor.startProcess", &ok, "a"), xmlrpc.FaultAlreadyStarted)
	var results []map[string]any
	if err := e.call(t, "supervisor.stopAllProcesses", &results); err != nil || len(results) != 2 {
		t.Fatalf("stopAllProcesses: %v, %v", results, err)
	}
	if results[0]["status"] != xmlrpc.FaultSuccess || results[0]["description"] != "OK" {
		t.Fatalf("a result: %v", results[0])
	}
	if err := e.call(t, "supervisor.startProcessGroup", &results, "b"); err != nil || len(results) != 1 {
		t.Fatalf("startProcessGroup: %v, %v", results, err)
	}
	wantFault(t, e.call(t, "supervisor.signalProcess", &ok, "b", "NOSUCHSIG"), xmlrpc.FaultBadSignal)
	wantFault(t, e.call(t, "supervisor.signalProcess", &ok, "a", "HUP"), xmlrpc.FaultNotRunning)
	if err := e.call(t, "supervisor.signalProcess", &ok, "b", "USR1"); err != nil {
		t.Fatal(err)
	}
}

func TestStartMissingCommand(t *testing.T) {
	p := sleeper("x", os.TempDir())
	p.Command, p.AutoStart, p.Stdout = "/nonexistent/cmd", false, procman.Log{}
	e := newEnv(t, []procman.Program{p}, "", "")
	var ok bool
	wantFault(t, e.call(t, "supervisor.startProcess", &ok, "x"), xmlrpc.FaultNoFile)
}

func TestLogs(t *testing.T) {
	e := newEnv(t, nil, "", "")
	deadline := time.Now().Add(time.Minute)
	var out string
	for !strings.Contains(out, "hello from a") {
		if time.Now().After(deadline) {
			t.Fatalf("no output: %q", out)
		}
		e.call(t, "supervisor.readProcessStdoutLog", &out, "a", 0, 0)
		time.Sleep(10 * time.Millisecond)
	}
	var tail []any
	if err := e.call(t, "supervisor.tailProcessStdoutLog", &tail, "a", 0, 5); err != nil {
		t.Fatal(err)
	}
	if len(tail) != 3 || tail[0] != "om a\n" || tail[2] != true {
		t.Fatalf("tail: %#v", tail)
	}
	wantFault(t, e.call(t, "supervisor.readProcessStderrLog", &out, "a", 0, 0), xmlrpc.FaultNoFile)
	wantFault(t, e.call(t, "supervisor.readProcessStdoutLog", &out, "nosuch", 0, 0), xmlrpc.FaultBadName)
	// tail -f over HTTP.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp, err := e.cli.Get(ctx, "/logtail/a/stdout")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "hello from a\n" || resp.Header.Get("Content-Type") != "text/plain;charset=utf-8" {
		t.Fatalf("logtail: %q, %v, %v", line, err, resp.Header)
	}
	cancel()
	var pe *xmlrpc.ProtocolError
	if _, err := e.cli.Get(context.Background(), "/logtail/nosuch/stdout"); !errors.As(err, &pe) || !strings.Contains(err.Error(), "404") {
		t.Fatalf("logtail of an unknown process: %v, want a 404", err)
	}
}

func TestRereadAndUpdate(t *testing.T) {
	e := newEnv(t, nil, "", "")
	e.waitState(t, "a", procman.StateRunning)
	changedB := sleeper("b", e.dir)
	changedB.Args = []string{"-c", "exec sleep 999"}
	e.mu.Lock()
	e.reread = func() ([]procman.Program, error) {
		return []procman.Program{changedB, sleeper("c", e.dir)}, nil
	}
	e.mu.Unlock()
	var diff [][][]string
	if err := e.call(t, "supervisor.reloadConfig", &diff); err != nil {
		t.Fatal(err)
	}
	want := [][][]string{{{"c"}, {"b"}, {"a"}}}
	if len(diff) != 1 || !slices.Equal(diff[0][0], want[0][0]) || !slices.Equal(diff[0][1], want[0][1]) || !slices.Equal(diff[0][2], want[0][2]) {
		t.Fatalf("reloadConfig: %v, want %v", diff, want)
	}
	var ok bool
	wantFault(t, e.call(t, "supervisor.removeProcessGroup", &ok, "a"), xmlrpc.FaultStillRunning)
	var res []any
	e.call(t, "supervisor.stopProcessGroup", &res, "a")
	if err := e.call(t, "supervisor.removeProcessGroup", &ok, "a"); err != nil {
		t.Fatal(err)
	}
	wantFault(t, e.call(t, "supervisor.addProcessGroup", &ok, "b"), xmlrpc.FaultAlreadyAdded)
	if err := e.call(t, "supervisor.addProcessGroup", &ok, "c"); err != nil {
		t.Fatal(err)
	}
	wantFault(t, e.call(t, "supervisor.addProcessGroup", &ok, "nosuch"), xmlrpc.FaultBadName)
	e.waitState(t, "c", procman.StateRunning)
}

func TestAuthAndMalformed(t *testing.T) {
	e := newEnv(t, nil, "admin", "s3cret")
	var v string
	if err := e.call(t, "supervisor.getVersion", &v); err != nil {
		t.Fatal(err)
	}
	bad, _ := xmlrpc.NewClient(e.url, &xmlrpc.ClientOptions{Username: "admin", Password: "wrong"})
	defer bad.Close()
	err := bad.Call(context.Background(), "supervisor.getVersion", nil, &v)
	var pe *xmlrpc.ProtocolError
	if !errors.As(err, &pe) {
		t.Fatalf("wrong password: %v, want a protocol error (401)", err)
	}
	// Malformed XML gets a fault or an HTTP error, never a crash.
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", strings.TrimPrefix(e.url, "unix://"))
	}}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("POST", "http://x/RPC2", strings.NewReader("<methodCall><methodName>supervisor.getVersion"))
	req.SetBasicAuth("admin", "s3cret")
	req.Header.Set("Content-Type", "text/xml")
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 && resp.StatusCode != 400 {
		t.Fatalf("malformed XML: HTTP %d", resp.StatusCode)
	}
	if err := e.call(t, "supervisor.getVersion", &v); err != nil {
		t.Fatalf("the server after a malformed request: %v", err)
	}
	wantFault(t, e.call(t, "supervisor.noSuchMethod", &v), xmlrpc.FaultUnknownMethod)
	wantFault(t, e.call(t, "supervisor.startProcess", &v), xmlrpc.FaultIncorrectParameters)
}
