//go:build unix

package lifecycle_test

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/lifecycle"
	"github.com/dmicro-go/dmicro/rpc"
)

// startDetached starts the testbed's app and stops it when the test ends.
func (b *testbed) startDetached(args ...string) {
	b.t.Helper()
	if out, code := b.run(append([]string{"start", "-d"}, args...)...); code != 0 {
		b.t.Fatalf("start -d exited %d: %s", code, out)
	}
	b.t.Cleanup(func() {
		b.run("stop")
		b.noneLeft()
	})
}

// noneLeft fails the test if a process of the testbed's app is still
// alive once the app has stopped (Linux, where /proc tells).
func (b *testbed) noneLeft() {
	b.t.Helper()
	if runtime.GOOS != "linux" {
		return
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var left []string
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			if _, err := strconv.Atoi(e.Name()); err != nil {
				continue
			}
			cmd, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			if err == nil && strings.Contains(string(cmd), b.conf) && !zombieProc(e.Name()) {
				left = append(left, e.Name())
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, pid := range left {
				if p, err := strconv.Atoi(pid); err == nil {
					syscall.Kill(p, syscall.SIGKILL)
				}
			}
			b.t.Errorf("processes of the app left after stop: %v", left)
			return
		}
		time.Sleep(20 * time.Millisecond) // polling /proc
	}
}

// zombieProc reports whether the process is a zombie: exited, not reaped.
func zombieProc(pid string) bool {
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(stat), ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z'
}

// pid returns the pid of the running app, from status -json.
func (b *testbed) appPid() int {
	b.t.Helper()
	out, code := b.run("status", "-json")
	if code != 0 {
		b.t.Fatalf("status -json exited %d: %s", code, out)
	}
	m := regexp.MustCompile(`"pid": (\d+),`).FindStringSubmatch(out)
	if m == nil {
		b.t.Fatalf("no pid in %s", out)
	}
	pid, _ := strconv.Atoi(m[1])
	return pid
}

// call calls /math/pid on addr and returns the pid that answered.
func call(t *testing.T, addr string) (int, error) {
	t.Helper()
	ep, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, err := ep.Dial(ctx, addr)
	if err != nil {
		return 0, err
	}
	var pid int
	err = sess.Call(ctx, "/math/pid", struct{}{}, &pid)
	return pid, err
}

// gone waits until the app's process pid has exited.
func (b *testbed) gone(pid int) {
	t := b.t
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			// SIGQUIT makes it print its goroutines into its log.
			syscall.Kill(pid, syscall.SIGQUIT)
			b.gone(pid)
			log, _ := os.ReadFile(b.logPath())
			t.Fatalf("pid %d did not exit; the log:\n%s", pid, log)
		}
		time.Sleep(10 * time.Millisecond) // polling: pid is not our child
	}
}

func TestSecondStartRefused(t *testing.T) {
	b := newTestbed(t)
	b.startDetached()
	pid := b.appPid()
	for _, args := range [][]string{{"start", "-d"}, {"start"}} {
		out, code := b.run(args...)
		if code != lifecycle.ExitFailed || !strings.Contains(out, "already running with pid "+strconv.Itoa(pid)) {
			t.Errorf("%v while running exited %d: %s", args, code, out)
		}
	}
}

func TestCommandsWithoutApp(t *testing.T) {
	b := newTestbed(t)
	for _, cmd := range []string{"stop", "reload", "status"} {
		out, code := b.run(cmd)
		if code != lifecycle.ExitNotRunning || !strings.Contains(out, "not running") {
			t.Errorf("%s without an app exited %d: %s", cmd, code, out)
		}
	}
	out, code := b.run("status", "-json")
	if code != lifecycle.ExitNotRunning || !strings.Contains(out, `"running":false`) {
		t.Errorf("status -json without an app exited %d: %s", code, out)
	}
}

func TestStalePidFileAndSocket(t *testing.T) {
	b := newTestbed(t)
	// A pid that is surely dead: a child of ours that exited and was reaped.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b.pid, []byte(strconv.Itoa(dead.Process.Pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := b.run("stop")
	if code != lifecycle.ExitNotRunning || !strings.Contains(out, "stale pid file") {
		t.Errorf("stop with a stale pid file exited %d: %s", code, out)
	}
	// A socket file nobody listens on, as a killed app leaves.
	sock := strings.TrimSuffix(b.pid, ".pid") + ".sock"
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if err := os.WriteFile(b.pid, []byte(strconv.Itoa(dead.Process.Pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.startDetached()
	if pid := b.appPid(); pid == dead.Process.Pid {
		t.Fatal("status shows the stale pid")
	}
	if _, err := call(t, b.rpcAddr); err != nil {
		t.Fatal(err)
	}
}

func TestStartFails(t *testing.T) {
	b := newTestbed(t)
	b.setFault("LIFECYCLE_TEST_FAIL_FILE", true)
	out, code := b.run("start", "-d")
	if code != lifecycle.ExitFailed || !strings.Contains(out, "told to fail") {
		t.Errorf("start -d of a failing sandbox exited %d: %s", code, out)
	}
	if out, code := b.run("status"); code != lifecycle.ExitNotRunning {
		t.Errorf("status after a failed start exited %d: %s", code, out)
	}
}

// TestReloadFailures makes the new process fail in each way; the old one
// must keep serving, and reload must say why and exit 1.
func TestReloadFailures(t *testing.T) {
	b := newTestbed(t)
	b.writeConf("") // reload_timeout 30s; the hang case uses a shorter one below
	b.startDetached()
	pid := b.appPid()
	for _, tc := range []struct {
		fault, conf, want string
		code              int
	}{
		{fault: envFailFile, want: "told to fail"},
		{fault: envCrashFile, want: "exited with status 7 before it was ready"},
		{fault: envHangFile, conf: "[app]\nreload_timeout = 1s\n", want: "was not ready within 1s"},
		{conf: "[sandbox.math]\nListenAdr = 1\n", want: `unknown key`, code: lifecycle.ExitUsage},
	} {
		if tc.fault != "" {
			b.setFault(tc.fault, true)
		}
		if tc.conf != "" {
			b.writeConfRaw(tc.conf)
		}
		out, code := b.run("reload")
		if tc.code == 0 {
			tc.code = lifecycle.ExitFailed
		}
		if code != tc.code || !strings.Contains(out, tc.want) || !strings.Contains(out, "keeps serving") {
			t.Errorf("reload with %s%s exited %d: %s", tc.fault, tc.conf, code, out)
		}
		if tc.fault != "" {
			b.setFault(tc.fault, false)
		}
		b.writeConf("")
		if got := b.appPid(); got != pid {
			t.Fatalf("after a failed reload pid %d answers, not %d", got, pid)
		}
		if got, err := call(t, b.rpcAddr); err != nil || got != pid {
			t.Fatalf("after a failed reload: pid %d, %v", got, err)
		}
	}
	// And a good reload afterwards works.
	if out, code := b.run("reload"); code != 0 {
		t.Fatalf("reload exited %d: %s", code, out)
	}
	b.gone(pid)
}

// writeConfRaw writes the configuration file as given, with the test's
// addresses.
func (b *testbed) writeConfRaw(text string) {
	b.t.Helper()
	if err := os.WriteFile(b.conf, []byte(text+"\n[sandbox.web]\nListenAddr = "+b.webAddr+"\n"), 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func TestReloadBySignal(t *testing.T) {
	b := newTestbed(t)
	b.startDetached()
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGUSR2} {
		old := b.appPid()
		if err := syscall.Kill(old, sig); err != nil {
			t.Fatal(err)
		}
		b.gone(old)
		if got, err := call(t, b.rpcAddr); err != nil || got == old {
			t.Fatalf("after %v: pid %d answers (old %d), %v", sig, got, old, err)
		}
	}
}

// TestReloadWhileReloading asks for a second reload while the new process
// of the first is starting (it hangs until the first reload times out).
func TestReloadWhileReloading(t *testing.T) {
	b := newTestbed(t)
	b.writeConf("")
	b.startDetached()
	b.setFault(envHangFile, true)
	first := make(chan string, 1)
	go func() {
		out, _ := b.run("reload")
		first <- out
	}()
	// Wait until the first reload's process has started: it logs.
	waitLog(t, b, "lifecycle: reloading")
	out, code := b.run("reload")
	if code != lifecycle.ExitFailed || !strings.Contains(out, "a reload is in progress") {
		t.Errorf("a second reload exited %d: %s", code, out)
	}
	// End the first: stop hanging processes by stopping the app, which
	// kills the new process.
	b.setFault(envHangFile, false)
	b.run("stop")
	<-first
}

// waitLog waits until the app's log holds text.
func waitLog(t *testing.T, b *testbed, text string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		data, _ := os.ReadFile(b.logPath())
		if strings.Contains(string(data), text) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log does not show %q:\n%s", text, data)
		}
		time.Sleep(10 * time.Millisecond) // polling a file another process writes
	}
}

func TestAddressChangedAtReload(t *testing.T) {
	b := newTestbed(t)
	b.startDetached()
	old := b.appPid()
	oldAddr := b.rpcAddr
	b.rpcAddr = freePort(t)
	b.writeConf("")
	if out, code := b.run("reload"); code != 0 {
		t.Fatalf("reload exited %d: %s", code, out)
	}
	b.gone(old)
	if _, err := call(t, b.rpcAddr); err != nil {
		t.Fatalf("the new address does not answer: %v", err)
	}
	if _, err := call(t, oldAddr); err == nil {
		t.Fatal("the old address still answers")
	}
}

// TestKillOldDuringDrain SIGKILLs the old process while it drains a long
// call; clients then go on with the new one.
func TestKillOldDuringDrain(t *testing.T) {
	b := newTestbed(t)
	b.startDetached()
	old := b.appPid()
	ep, err := rpc.NewEndpoint(rpc.Config{Redial: rpc.RedialPolicy{Attempts: -1, MinDelay: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	ctx := context.Background()
	sess, err := ep.Dial(ctx, b.rpcAddr)
	if err != nil {
		t.Fatal(err)
	}
	long := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		ms := 60_000
		close(started)
		long <- sess.Call(ctx, "/math/sleep", &ms, nil)
	}()
	<-started
	if out, code := b.run("reload"); code != 0 {
		t.Fatalf("reload exited %d: %s", code, out)
	}
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	b.gone(old)
	if err := <-long; err == nil {
		t.Error("the call on the killed process succeeded")
	}
	var pid int
	if err := sess.Call(ctx, "/math/pid", struct{}{}, &pid); err != nil || pid == old {
		t.Fatalf("after the kill: pid %d, %v", pid, err)
	}
}

// TestGracefulStop lets a call in flight finish on stop.
func TestGracefulStop(t *testing.T) {
	b := newTestbed(t)
	b.startDetached()
	ep, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	ctx := context.Background()
	sess, err := ep.Dial(ctx, b.rpcAddr)
	if err != nil {
		t.Fatal(err)
	}
	res := make(chan error, 1)
	go func() {
		ms := 500
		res <- sess.Call(ctx, "/math/sleep", &ms, nil)
	}()
	waitLog(t, b, "math: sleeping")
	if out, code := b.run("stop"); code != 0 {
		t.Fatalf("stop exited %d: %s", code, out)
	}
	if err := <-res; err != nil {
		t.Fatalf("the call in flight failed on stop: %v", err)
	}
}

func TestDuplicateNames(t *testing.T) {
	app := lifecycle.NewApp("dup")
	if err := app.AddSandbox(&rpcSandbox{name: "a"}); err != nil {
		t.Fatal(err)
	}
	s, err := app.NewService("other")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddSandbox(&rpcSandbox{name: "a"}); !errors.Is(err, lifecycle.ErrDuplicate) {
		t.Errorf("a second sandbox a: %v", err)
	}
	if _, err := app.NewService("other"); !errors.Is(err, lifecycle.ErrDuplicate) {
		t.Errorf("a second service other: %v", err)
	}
}
