package leakcheck

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// helperEnv makes the test binary, run again by TestMainReportsLeak, leak
// a goroutine in a test ("leak") or start one before the tests, as a
// package initialiser may ("init").
const helperEnv = "LEAKCHECK_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "leak":
		mainWait = 100 * time.Millisecond
	case "init":
		mainWait = 100 * time.Millisecond
		go helperLeak(make(chan struct{}))
	}
	Main(m)
}

// TestHelperLeak leaks a goroutine when the binary runs as the "leak"
// helper, and does nothing otherwise.
func TestHelperLeak(t *testing.T) {
	if os.Getenv(helperEnv) == "leak" {
		go helperLeak(make(chan struct{}))
	}
}

func helperLeak(block chan struct{}) { <-block }

// fakeTB records what Check asks of a testing.TB, so that a test can look at
// the errors Check reports without failing itself.
type fakeTB struct {
	testing.TB // the real test, for anything Check does not override

	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

// finish runs the cleanups, last first, as the testing package does, and
// returns the errors reported.
func (f *fakeTB) finish() []string {
	f.mu.Lock()
	cleanups := f.cleanups
	f.cleanups = nil
	f.mu.Unlock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.errs
}

func TestCheck(t *testing.T) {
	Check(t)
	tests := []struct {
		name string
		// run does the test's work under a fake check and returns a func
		// that undoes any leak, called after the check.
		run      func(t *testing.T) (release func())
		wantLeak string // "" for no error, else a substring of the error
	}{
		{
			name: "goroutine that ends",
			run: func(t *testing.T) func() {
				go func() { time.Sleep(20 * time.Millisecond) }()
				return func() {}
			},
		},
		{
			name: "leaked goroutine",
			run: func(t *testing.T) func() {
				block, done := make(chan struct{}), make(chan struct{})
				go func() {
					defer close(done)
					helperLeak(block)
				}()
				return func() { close(block); <-done }
			},
			wantLeak: "leakcheck.helperLeak",
		},
		{
			name: "fd closed",
			run: func(t *testing.T) func() {
				f, err := os.Create(filepath.Join(t.TempDir(), "closed"))
				if err != nil {
					t.Fatal(err)
				}
				f.Close()
				return func() {}
			},
		},
		{
			name: "fd leaked",
			run: func(t *testing.T) func() {
				if runtime.GOOS != "linux" {
					t.Skip("fd checks need /proc/self/fd (Linux)")
				}
				f, err := os.Create(filepath.Join(t.TempDir(), "leaked-file"))
				if err != nil {
					t.Fatal(err)
				}
				return func() { f.Close() }
			},
			wantLeak: "leaked-file",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A clean check returns as soon as all is clean, so it gets the
			// full wait; a leak is reported only when the wait ends.
			timeout := wait
			if tt.wantLeak != "" {
				timeout = 300 * time.Millisecond
			}
			fake := &fakeTB{TB: t}
			check(fake, timeout)
			release := tt.run(t)
			errs := fake.finish()
			release()
			switch {
			case tt.wantLeak == "" && len(errs) > 0:
				t.Errorf("Check reported %d error(s), want none:\n%s", len(errs), strings.Join(errs, "\n"))
			case tt.wantLeak != "" && len(errs) != 1:
				t.Errorf("Check reported %d error(s), want 1:\n%s", len(errs), strings.Join(errs, "\n"))
			case tt.wantLeak != "" && !strings.Contains(errs[0], tt.wantLeak):
				t.Errorf("Check error does not mention %q:\n%s", tt.wantLeak, errs[0])
			}
		})
	}
}

func TestCheckIgnoresGoroutinesStartedBefore(t *testing.T) {
	block, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		helperLeak(block)
	}()
	defer func() { close(block); <-done }()
	// Let the goroutine start, so that it is surely in the first snapshot.
	for !strings.Contains(allStacks(), "leakcheck.helperLeak") {
		time.Sleep(time.Millisecond)
	}

	fake := &fakeTB{TB: t}
	check(fake, wait)
	if errs := fake.finish(); len(errs) > 0 {
		t.Errorf("Check reported a goroutine started before it:\n%s", strings.Join(errs, "\n"))
	}
}

func allStacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

func TestIgnored(t *testing.T) {
	tests := []struct {
		name  string
		stack string
		want  bool
	}{
		{"test goroutine", `goroutine 7 [chan receive]:
example.com/p.TestX(0xc000102000)
	/src/p/p_test.go:10 +0x1d
testing.tRunner(0xc000102000, 0x5a2f30)
	/go/src/testing/testing.go:1792 +0xf4
created by testing.(*T).Run in goroutine 1
	/go/src/testing/testing.go:1851 +0x413`, true},
		{"test main", `goroutine 1 [chan receive]:
testing.(*T).Run(0xc000102000, {0x58b1d1, 0x9}, 0x5a2f30)
	/go/src/testing/testing.go:1859 +0x431
testing.runTests.func1(0xc000102000)
	/go/src/testing/testing.go:2279 +0x37
testing.(*M).Run(0xc00011e0a0)
	/go/src/testing/testing.go:2166 +0x6e5
main.main()
	_testmain.go:45 +0x9b`, true},
		{"signal loop", `goroutine 18 [syscall]:
os/signal.signal_recv()
	/go/src/runtime/sigqueue.go:152 +0x29
os/signal.loop()
	/go/src/os/signal/signal_unix.go:23 +0x13
created by os/signal.Notify.func1.1 in goroutine 1
	/go/src/os/signal/signal.go:151 +0x1f`, true},
		{"runtime worker", `goroutine 2 [force gc (idle)]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
	/go/src/runtime/proc.go:435 +0xce
runtime.forcegchelper()
	/go/src/runtime/proc.go:348 +0xb3
created by runtime.init.7 in goroutine 1
	/go/src/runtime/proc.go:336 +0x1a`, true},
		{"goexit alone", "goroutine 9 [runnable]:\nruntime.goexit({})\n\t/go/src/runtime/asm_amd64.s:1700", true},
		{"user goroutine", `goroutine 21 [chan receive]:
example.com/p.worker(0xc0000a2060)
	/src/p/p.go:30 +0x25
created by example.com/p.Start in goroutine 7
	/src/p/p.go:20 +0x5c`, false},
		{"std goroutine started by user code", `goroutine 22 [IO wait]:
internal/poll.runtime_pollWait(0x7f0, 0x72)
	/go/src/runtime/netpoll.go:351 +0x85
net.(*netFD).accept(0xc000180000)
	/go/src/net/fd_unix.go:172 +0x29
created by example.com/p.Serve in goroutine 7
	/src/p/p.go:40 +0x5c`, false},
		{"only created by user code", `goroutine 23 [runnable]:
runtime.goexit({})
	/go/src/runtime/asm_amd64.s:1700 +0x1
created by example.com/p.Start in goroutine 7
	/src/p/p.go:20 +0x5c`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ignored(tt.stack); got != tt.want {
				t.Errorf("ignored = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestGoroutineID(t *testing.T) {
	tests := []struct {
		header string
		want   int64
		ok     bool
	}{
		{"goroutine 42 [running]:", 42, true},
		{"goroutine 7 gp=0xc000002380 m=0 mp=0x6a8e60 [running]:", 7, true},
		{"goroutine x [running]:", 0, false},
		{"created by main.main", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			got, ok := goroutineID(tt.header + "\nmain.main()")
			if got != tt.want || ok != tt.ok {
				t.Errorf("goroutineID = %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestMainReportsLeak runs this test binary again with a goroutine leaked by
// TestMain, and checks that Main makes it fail and names the goroutine.
func TestMainReportsLeak(t *testing.T) {
	Check(t)
	if testing.Short() {
		t.Skip("starts a sub-process")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skipf("cannot find the test binary: %v", err)
	}
	run := func(mode string) (string, error) {
		cmd := exec.Command(exe, "-test.run=^TestHelperLeak$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"="+mode)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		return stderr.String(), err
	}
	stderr, err := run("leak")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("sub-process: err = %v, want exit status 1; stderr:\n%s", err, stderr)
	}
	for _, want := range []string{"leakcheck: 1 goroutine(s) still running", "leakcheck.helperLeak"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, stderr)
		}
	}
	// A goroutine that ran before the tests began is not theirs.
	if stderr, err := run("init"); err != nil {
		t.Fatalf("a goroutine started before the tests was reported: %v\n%s", err, stderr)
	}
}
