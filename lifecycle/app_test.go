package lifecycle_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/lifecycle"
	"github.com/dmicro-go/dmicro/rpc"
)

// envApp makes the test binary run testApp instead of the tests: tests
// re-execute it as the app, as tableflip's tests do.
const envApp = "LIFECYCLE_TEST_APP"

func TestMain(m *testing.M) {
	if os.Getenv(envApp) != "" {
		os.Exit(testApp().Main(os.Args[1:]))
	}
	leakcheck.Main(m)
}

// Math is the rpc service of the test app.
type Math struct{ rpc.CallCtx }

// Add sums the integers.
func (m *Math) Add(arg *[]int) (int, *rpc.Status) {
	var r int
	for _, a := range *arg {
		r += a
	}
	return r, nil
}

// Pid answers the pid of the process that serves the call.
func (m *Math) Pid(*struct{}) (int, *rpc.Status) { return os.Getpid(), nil }

// Sleep answers after ms milliseconds, or when the call's context ends.
func (m *Math) Sleep(ms *int) (int, *rpc.Status) {
	m.Endpoint().Logger().Info("math: sleeping", "ms", *ms)
	select {
	case <-time.After(time.Duration(*ms) * time.Millisecond):
	case <-m.Context().Done():
		return 0, rpc.NewStatus(rpc.CodeCanceled, "sleep cut short")
	}
	return os.Getpid(), nil
}

// The test app's faults, each turned on by the file its variable names
// existing, so that a test can make the next process of a running app
// fail: the variables are inherited, the file is created when wanted.
const (
	envFailFile  = "LIFECYCLE_TEST_FAIL_FILE"  // Setup returns an error
	envCrashFile = "LIFECYCLE_TEST_CRASH_FILE" // the process exits 7 in Setup
	envHangFile  = "LIFECYCLE_TEST_HANG_FILE"  // Setup blocks without serving
)

// fault reports whether the file named by the variable exists.
func fault(name string) bool {
	path := os.Getenv(name)
	if path == "" {
		return false
	}
	_, err := os.Stat(path)
	return err == nil
}

// rpcSandbox serves Math on the address of its section.
type rpcSandbox struct {
	lifecycle.BaseSandbox
	name string
	ep   *rpc.Endpoint
}

func (s *rpcSandbox) Name() string { return s.name }

func (s *rpcSandbox) Setup(ctx context.Context) error {
	cfg, err := s.EndpointConfig()
	if err != nil {
		return err
	}
	if s.ep, err = rpc.NewEndpoint(cfg); err != nil {
		return err
	}
	if _, err := s.ep.Router().RouteCall(new(Math)); err != nil {
		return err
	}
	switch {
	case fault(envFailFile):
		return errors.New("told to fail")
	case fault(envCrashFile):
		os.Exit(7)
	case fault(envHangFile):
		<-ctx.Done()
		return ctx.Err()
	}
	return s.ep.ListenAndServe()
}

func (s *rpcSandbox) Shutdown(ctx context.Context) error { return s.ep.Shutdown(ctx) }

// httpSandbox serves GET / (the pid) with net/http on the ListenAddr of
// its section [sandbox.web], as a sandbox must declare its address for
// multi-process mode, through lifecycle.HTTPServer, which loses no
// request at a reload.
type httpSandbox struct {
	lifecycle.BaseSandbox
	srv *lifecycle.HTTPServer
}

func (s *httpSandbox) Name() string { return "web" }

func (s *httpSandbox) Setup(ctx context.Context) error {
	addr := s.Config().String("ListenAddr", "127.0.0.1:0")
	l, err := s.Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	s.srv = &lifecycle.HTTPServer{Server: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d\n", os.Getpid())
	})}}
	return s.srv.Serve(l)
}

func (s *httpSandbox) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

func testApp() *lifecycle.App {
	app := lifecycle.NewApp("lifecycle-test")
	app.Authors = "dmicro"
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(app.AddSandbox(&rpcSandbox{name: "math"}))
	web, err := app.NewService("web")
	must(err)
	must(web.AddSandbox(&httpSandbox{}))
	if os.Getenv(envTransports) != "" {
		must(addTransportSandboxes(app))
	}
	return app
}

// testbed is a directory with the app's configuration, pid file and log.
type testbed struct {
	t                *testing.T
	dir, conf, pid   string
	rpcAddr, webAddr string
	env              []string
}

func newTestbed(t *testing.T) *testbed {
	t.Helper()
	dir := t.TempDir()
	b := &testbed{t: t, dir: dir, conf: filepath.Join(dir, "app.conf"), pid: filepath.Join(dir, "app.pid"),
		rpcAddr: freePort(t), webAddr: freePort(t)}
	for _, name := range []string{envFailFile, envCrashFile, envHangFile} {
		b.env = append(b.env, name+"="+b.faultFile(name))
	}
	b.writeConf("")
	return b
}

func (b *testbed) writeConf(extra string) {
	text := fmt.Sprintf("[app]\nshutdown_timeout = 10s\nreload_timeout = 30s\n\n[sandbox.math]\nListenAddr = %s\n\n[sandbox.web]\nListenAddr = %s\n%s", b.rpcAddr, b.webAddr, extra)
	if err := os.WriteFile(b.conf, []byte(text), 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// logPath is the app's log file.
func (b *testbed) logPath() string { return filepath.Join(b.dir, "app.log") }

// faultFile is the file that turns on the fault of the variable name.
func (b *testbed) faultFile(name string) string { return filepath.Join(b.dir, name) }

// setFault turns a fault of the test app on or off, for the processes
// that start from now on.
func (b *testbed) setFault(name string, on bool) {
	b.t.Helper()
	if !on {
		os.Remove(b.faultFile(name))
		return
	}
	if err := os.WriteFile(b.faultFile(name), nil, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// run runs a command of the app and returns its output and exit code.
func (b *testbed) run(args ...string) (string, int) {
	b.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		b.t.Fatal(err)
	}
	full := append([]string{args[0], "--config", b.conf, "--pid", b.pid, "--log", b.logPath()}, args[1:]...)
	cmd := exec.Command(exe, full...)
	cmd.Env = append(append(os.Environ(), envApp+"=1"), b.env...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		b.t.Fatal(err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestStartReloadStop(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("detaching and hot restart need a unix system")
	}
	b := newTestbed(t)
	out, code := b.run("start", "-d")
	if code != 0 {
		t.Fatalf("start -d exited %d: %s", code, out)
	}
	t.Cleanup(func() { b.run("stop") })
	out, code = b.run("status")
	t.Logf("status %d:\n%s", code, out)
	if code != 0 || !strings.Contains(out, "RUNNING") {
		t.Fatalf("status exited %d: %s", code, out)
	}
	out, code = b.run("reload")
	t.Logf("reload %d: %s", code, out)
	if code != 0 {
		t.Fatalf("reload exited %d: %s", code, out)
	}
	out, code = b.run("stop")
	t.Logf("stop %d: %s", code, out)
	if code != 0 {
		t.Fatalf("stop exited %d: %s", code, out)
	}
	out, code = b.run("status")
	if code != 3 {
		t.Fatalf("status after stop exited %d: %s", code, out)
	}
	_ = time.Second
}
