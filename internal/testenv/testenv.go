// Package testenv finds the outside programs that tests drive (curl,
// chromium, etcd, ...). A test whose program is missing is skipped with a
// message that says how to install it, except under CI=true, where the
// program is required and its absence fails the test.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run in CI (CI=true), where every outside
// program a test needs must be present.
func InCI() bool { return os.Getenv("CI") == "true" }

// LookPath returns the path of program on PATH. When it is missing it skips
// the test, saying that install (a command such as "apt-get install -y
// curl") provides it, or fails the test under CI=true.
func LookPath(t testing.TB, program, install string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err == nil {
		return path
	}
	if InCI() {
		t.Fatalf("%s is not on PATH (%s); it is required when CI=true", program, install)
	}
	t.Skipf("%s is not on PATH: %s to run this test", program, install)
	return ""
}
