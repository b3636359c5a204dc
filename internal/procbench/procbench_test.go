//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/testenv"
)

// TestMain runs a child mode when the test binary is re-executed as one.
func TestMain(m *testing.M) {
	if code, ok := child(os.Args); ok {
		os.Exit(code)
	}
	noExitSleep()
	os.Exit(m.Run())
}

// noExitSleep makes the children that the daemons start, this binary
// re-executed, exit at once: a binary built with -race otherwise sleeps a
// second at exit (GORACE's atexit_sleep_ms), which every restart would
// wait for.
func noExitSleep() {
	os.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
}

// TestSmoke runs the whole benchmark, tiny, to show that the harness works:
// both daemons (procman alone where supervisord is missing, outside CI),
// every measure, the table. It asserts no number.
func TestSmoke(t *testing.T) {
	o := options{programs: 3, loud: 1, rate: 200, lineSize: 32, window: 200 * time.Millisecond, samples: 2, flapFor: 50 * time.Millisecond}
	if _, err := exec.LookPath("supervisord"); err != nil {
		if testenv.InCI() {
			t.Fatal("supervisord is not on PATH (apt-get install supervisor); it is required when CI=true")
		}
		t.Log("supervisord is not on PATH: apt-get install supervisor to compare; measuring procman alone")
		o.only = "procman"
	}
	var out bytes.Buffer
	if err := run(t.Context(), o, &out); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", out.String())
	for _, want := range []string{"restart latency, median", "idle: CPU", "logging: lines/s captured", "procman"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the table has no %q", want)
		}
	}
}
