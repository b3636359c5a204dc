//go:build unix

package lifecycle_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/lifecycle"
	"github.com/dmicro-go/dmicro/rpc"
)

// multiTimeout bounds the waits of the multi-process tests; it is no
// timing assertion: on a slow machine a test only takes longer.
const multiTimeout = 60 * time.Second

// multiConf makes the testbed's app run in multi-process mode.
func multiConf(b *testbed) {
	b.t.Helper()
	text := fmt.Sprintf("[app]\nmode = multi\nshutdown_timeout = 10s\nreload_timeout = 30s\n\n[sandbox.math]\nListenAddr = %s\n\n[sandbox.web]\nListenAddr = %s\n", b.rpcAddr, b.webAddr)
	if err := os.WriteFile(b.conf, []byte(text), 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// multiStatus returns the running app's state, from status -json.
func multiStatus(b *testbed) lifecycle.Info {
	b.t.Helper()
	out, code := b.run("status", "-json")
	if code != 0 {
		b.t.Fatalf("status -json exited %d: %s", code, out)
	}
	var st struct {
		Running bool `json:"running"`
		lifecycle.Info
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		b.t.Fatalf("status -json: %v: %s", err, out)
	}
	return st.Info
}

// multiChildPids returns the pid of each service's process, once every one
// runs and every sandbox shows its service's pid.
func multiChildPids(t *testing.T, info lifecycle.Info) (map[string]int, bool) {
	t.Helper()
	pids := make(map[string]int)
	for _, c := range info.Children {
		if c.State != "RUNNING" || c.Pid == 0 {
			return nil, false
		}
		pids[c.Service] = c.Pid
	}
	for _, s := range info.Sandboxes {
		if s.Pid != pids[s.Service] || s.State != lifecycle.Running {
			return nil, false
		}
	}
	return pids, len(pids) == 2
}

// multiWaitChildren waits until every service's process runs, and returns
// their pids.
func multiWaitChildren(b *testbed, what string, cond func(map[string]int) bool) map[string]int {
	b.t.Helper()
	var pids map[string]int
	multiWait(b.t, what, func() bool {
		var ok bool
		pids, ok = multiChildPids(b.t, multiStatus(b))
		return ok && cond(pids)
	})
	return pids
}

// multiWait waits until cond holds, polling.
func multiWait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(multiTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling processes and status, which notify no one
	}
}

// multiAlive reports whether pid runs and is not a zombie.
func multiAlive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return true // no /proc: trust kill
	}
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}

// multiClients are rpc callers and an HTTP GET loop against the app,
// counting what succeeds and fails, and noting the pids that answered.
type multiClients struct {
	ok, failed         atomic.Int64
	httpOK, httpFailed atomic.Int64
	mu                 sync.Mutex
	pids               map[int]bool
	errs               []error
	cancel             context.CancelFunc
	wg                 sync.WaitGroup
	ep                 *rpc.Endpoint
	hc                 *http.Client
}

// startMultiClients starts callers rpc callers, each on a session of its own
// that redials, and one HTTP client getting in a loop.
func startMultiClients(t *testing.T, b *testbed, callers int) *multiClients {
	t.Helper()
	ep, err := rpc.NewEndpoint(rpc.Config{Redial: rpc.RedialPolicy{Attempts: -1, MinDelay: 10 * time.Millisecond, MaxDelay: 200 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &multiClients{cancel: cancel, ep: ep, pids: make(map[int]bool),
		hc: &http.Client{Transport: &http.Transport{}, Timeout: multiTimeout}}
	note := func(pid int, err error) {
		m.mu.Lock()
		defer m.mu.Unlock()
		if err != nil && len(m.errs) < 20 {
			m.errs = append(m.errs, err)
		}
		if pid != 0 {
			m.pids[pid] = true
		}
	}
	for i := range callers {
		sess, err := ep.Dial(ctx, b.rpcAddr)
		if err != nil {
			cancel()
			m.wg.Wait()
			ep.Close()
			t.Fatal(err)
		}
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				cctx, ccancel := context.WithTimeout(ctx, multiTimeout)
				var (
					sum, pid int
					err      error
				)
				if n%16 == 0 {
					err = sess.Call(cctx, "/math/pid", struct{}{}, &pid)
					sum = i + n
				} else {
					err = sess.Call(cctx, "/math/add", []int{i, n}, &sum)
				}
				ccancel()
				switch {
				case ctx.Err() != nil:
					return
				case err != nil || sum != i+n:
					m.failed.Add(1)
					note(0, fmt.Errorf("call: %v (sum %d, want %d)", err, sum, i+n))
				default:
					m.ok.Add(1)
					note(pid, nil)
				}
			}
		}()
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		for ctx.Err() == nil {
			pid, err := multiGetPid(ctx, m.hc, b.webAddr)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				m.httpFailed.Add(1)
				note(0, err)
			default:
				m.httpOK.Add(1)
				note(pid, nil)
			}
		}
	}()
	return m
}

// multiGetPid gets / of the web sandbox: the pid of the process that served it.
func multiGetPid(ctx context.Context, hc *http.Client, addr string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/", nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("GET: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET: %d %v", resp.StatusCode, err)
	}
	return strconv.Atoi(strings.TrimSpace(string(body)))
}

// progress waits until both kinds of clients have succeeded again.
func (m *multiClients) progress(t *testing.T) {
	t.Helper()
	ok, hok := m.ok.Load(), m.httpOK.Load()
	multiWait(t, "the clients to make progress", func() bool {
		return m.ok.Load() >= ok+64 && m.httpOK.Load() >= hok+4
	})
}

// finish stops the clients and returns the pids that answered.
func (m *multiClients) finish(t *testing.T) map[int]bool {
	t.Helper()
	m.cancel()
	m.wg.Wait()
	m.ep.Close()
	m.hc.CloseIdleConnections()
	for _, err := range m.errs {
		t.Error(err)
	}
	t.Logf("rpc calls: %d ok, %d failed; http requests: %d ok, %d failed; %d processes answered",
		m.ok.Load(), m.failed.Load(), m.httpOK.Load(), m.httpFailed.Load(), len(m.pids))
	if m.failed.Load() != 0 || m.httpFailed.Load() != 0 {
		t.Errorf("%d calls and %d requests failed", m.failed.Load(), m.httpFailed.Load())
	}
	return m.pids
}

// multiMathPid asks the math sandbox for its pid on a new session, which waits
// for a process to serve it.
func multiMathPid(t *testing.T, addr string) int {
	t.Helper()
	ep, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	ctx, cancel := context.WithTimeout(context.Background(), multiTimeout)
	defer cancel()
	sess, err := ep.Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	if err := sess.Call(ctx, "/math/pid", struct{}{}, &pid); err != nil {
		t.Fatalf("math.pid: %v", err)
	}
	return pid
}

// multiWebPid gets the web sandbox's pid on a new connection.
func multiWebPid(t *testing.T, addr string) int {
	t.Helper()
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), multiTimeout)
	defer cancel()
	pid, err := multiGetPid(ctx, &http.Client{Transport: tr}, addr)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// multiCtl calls a method of the app's control socket with a name.
func multiCtl(t *testing.T, b *testbed, method, name string) {
	t.Helper()
	ep, err := rpc.NewEndpoint(rpc.Config{Network: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	ctx, cancel := context.WithTimeout(context.Background(), multiTimeout)
	defer cancel()
	sess, err := ep.Dial(ctx, strings.TrimSuffix(b.pid, ".pid")+".sock")
	if err != nil {
		t.Fatal(err)
	}
	var info lifecycle.Info
	if err := sess.Call(ctx, method, lifecycle.NameArg{Name: name}, &info); err != nil {
		t.Fatalf("%s %s: %v", method, name, err)
	}
}

// TestMultiProcess runs the test app in multi-process mode, detached:
// each service in a process of its own under the master; a killed child
// is restarted on the same sockets; 20 reloads under load fail no call;
// a new child that fails leaves the old ones serving; ctl stops and
// starts a service's process; a stop leaves no process behind.
func TestMultiProcess(t *testing.T) {
	leakcheck.Check(t)
	b := newTestbed(t)
	multiConf(b)
	// The race detector holds a process for a second at exit; the app's
	// processes and commands are many here.
	b.env = append(b.env, "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	if out, code := b.run("start", "-d"); code != 0 {
		t.Fatalf("start -d exited %d: %s", code, out)
	}
	seen := make(map[int]bool) // every process of the app the test met
	t.Cleanup(func() {
		if out, code := b.run("stop"); code != 0 && code != lifecycle.ExitNotRunning {
			t.Errorf("stop exited %d: %s", code, out)
		}
		for pid := range seen {
			if multiAlive(pid) {
				t.Errorf("pid %d outlived the app; killing it", pid)
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if t.Failed() {
			if log, err := os.ReadFile(b.logPath()); err == nil {
				t.Logf("app log:\n%s", log)
			}
		}
	})

	// Status shows each service's process, with its pid for its sandboxes.
	info := multiStatus(b)
	seen[info.Pid] = true
	if info.Mode != "multi" || len(info.Children) != 2 {
		t.Fatalf("status: mode %q, children %+v", info.Mode, info.Children)
	}
	pids := multiWaitChildren(b, "both services' processes to run", func(map[string]int) bool { return true })
	for _, pid := range pids {
		seen[pid] = true
	}
	if pids["default"] == pids["web"] || pids["default"] == info.Pid || pids["web"] == info.Pid {
		t.Fatalf("master %d, children %v: want distinct pids", info.Pid, pids)
	}
	out, _ := b.run("status")
	t.Logf("status:\n%s", out)

	// Each sandbox serves in its service's process.
	if got := multiMathPid(t, b.rpcAddr); got != pids["default"] {
		t.Fatalf("math served by pid %d, want %d", got, pids["default"])
	}
	if got := multiWebPid(t, b.webAddr); got != pids["web"] {
		t.Fatalf("web served by pid %d, want %d", got, pids["web"])
	}

	// A killed child is restarted, on the same sockets.
	if err := syscall.Kill(pids["default"], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := pids["default"]
	pids = multiWaitChildren(b, "the killed child to be restarted", func(p map[string]int) bool { return p["default"] != killed })
	seen[pids["default"]] = true
	if got := multiMathPid(t, b.rpcAddr); got != pids["default"] {
		t.Fatalf("after the restart math is served by pid %d, want %d", got, pids["default"])
	}
	if multiAlive(killed) {
		t.Fatalf("killed pid %d is alive", killed)
	}

	// Reloads under load: no call and no request fails.
	cl := startMultiClients(t, b, 64)
	for i := range 20 {
		cl.progress(t)
		if out, code := b.run("reload"); code != 0 {
			cl.finish(t)
			t.Fatalf("reload %d exited %d: %s", i+1, code, out)
		}
	}
	cl.progress(t)
	for pid := range cl.finish(t) {
		seen[pid] = true
	}
	before := pids
	pids = multiWaitChildren(b, "the reloaded children", func(map[string]int) bool { return true })
	for _, pid := range pids {
		seen[pid] = true
	}
	if pids["default"] == before["default"] || pids["web"] == before["web"] {
		t.Fatalf("children before the reloads %v, after %v: want new ones", before, pids)
	}
	if master := multiStatus(b).Pid; master != info.Pid {
		t.Fatalf("the master changed from %d to %d; it stays in multi-process mode", info.Pid, master)
	}

	// A new child that fails: the reload fails with its reason, and the old
	// children keep serving.
	b.setFault(envFailFile, true)
	out, code := b.run("reload")
	b.setFault(envFailFile, false)
	t.Logf("failing reload %d: %s", code, out)
	if code != lifecycle.ExitFailed || !strings.Contains(out, "told to fail") {
		t.Fatalf("reload with a failing child exited %d: %s", code, out)
	}
	after := multiWaitChildren(b, "the children after the failed reload", func(map[string]int) bool { return true })
	if after["default"] != pids["default"] || after["web"] != pids["web"] {
		t.Fatalf("children before the failed reload %v, after %v: want the same", pids, after)
	}
	if got := multiMathPid(t, b.rpcAddr); got != pids["default"] {
		t.Fatalf("after the failed reload math is served by pid %d, want %d", got, pids["default"])
	}
	if got := multiWebPid(t, b.webAddr); got != pids["web"] {
		t.Fatalf("after the failed reload web is served by pid %d, want %d", got, pids["web"])
	}

	// ctl's stop and start of a sandbox act on its service's process; a
	// reload leaves a stopped service stopped.
	multiCtl(t, b, "/ctl/stop", "math")
	info = multiStatus(b)
	if c := info.Children[0]; c.Service != "default" || c.State != "STOPPED" || c.Pid != 0 {
		t.Fatalf("after ctl stop math: %+v", info.Children)
	}
	if out, code := b.run("reload"); code != 0 {
		t.Fatalf("reload with a service stopped exited %d: %s", code, out)
	}
	if c := multiStatus(b).Children[0]; c.State != "STOPPED" {
		t.Fatalf("after a reload the stopped service is %+v", c)
	}
	multiCtl(t, b, "/ctl/start", "default")
	pids = multiWaitChildren(b, "the restarted service", func(map[string]int) bool { return true })
	seen[pids["default"]], seen[pids["web"]] = true, true
	if got := multiMathPid(t, b.rpcAddr); got != pids["default"] {
		t.Fatalf("after ctl start math is served by pid %d, want %d", got, pids["default"])
	}

	// Stop: no process of the app is left.
	if out, code := b.run("stop"); code != 0 {
		t.Fatalf("stop exited %d: %s", code, out)
	}
	// The master stops its children before it exits, and stop returns once
	// the master is gone.
	for pid := range seen {
		if multiAlive(pid) {
			t.Errorf("pid %d is alive after stop", pid)
		}
	}
	if out, code := b.run("status"); code != lifecycle.ExitNotRunning {
		t.Fatalf("status after stop exited %d: %s", code, out)
	}
	t.Logf("%d processes of the app met, none left", len(seen))
}

// TestMultiSharedSocket: two services cannot serve one socket in
// multi-process mode; the start says so and leaves nothing running.
func TestMultiSharedSocket(t *testing.T) {
	b := newTestbed(t)
	b.webAddr = b.rpcAddr
	multiConf(b)
	out, code := b.run("start", "-d")
	if code != lifecycle.ExitFailed || !strings.Contains(out, "services cannot share a socket") {
		t.Fatalf("start -d with a shared address exited %d: %s", code, out)
	}
	if out, code := b.run("status"); code != lifecycle.ExitNotRunning {
		t.Fatalf("status after the failed start exited %d: %s", code, out)
	}
}
