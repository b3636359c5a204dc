//go:build unix

package procman_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain runs a helper mode when the binary is a test's child, and
// otherwise the tests, then fails if any child they started outlived them.
// Each test checks its own goroutines and fds with leakcheck.Check.
func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		f := strings.Fields(mode)
		runHelper(f[0], f[1:])
		return
	}
	dir, err := os.MkdirTemp("", "procman-test-pids")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	pids := filepath.Join(dir, "pids")
	os.Setenv(pidsEnv, pids)
	code := m.Run()
	if left := survivors(pids); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "procman: children outlived the tests: %v\n", left)
		code = 1
	}
	os.RemoveAll(dir)
	os.Exit(code)
}
