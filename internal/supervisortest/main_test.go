//go:build linux

package supervisortest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/internal/supervisortest"
	"github.com/dmicro-go/dmicro/internal/testenv"
)

// rootEnv names the directory, made by TestMain, under which every test
// makes its daemons' directories. Its path is the token on every child's
// and every daemon's command line.
const rootEnv = "SUPERVISORTEST_ROOT"

// TestMain runs a child mode when the binary is re-executed as a child, and
// otherwise the tests; then it fails if any process that carries the
// token outlived them, and kills it.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == supervisortest.ChildArg {
		os.Exit(supervisortest.RunChild(os.Args[2:]))
	}
	root, err := os.MkdirTemp("", "supervisortest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Setenv(rootEnv, root)
	// Children built with -race would otherwise sleep a second at exit
	// (GORACE's atexit_sleep_ms): the scenarios' timings leave room for
	// it, but the tests need not wait for it.
	os.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	code := m.Run()
	if left := supervisortest.KillSurvivors(root); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "supervisortest: processes outlived the tests (killed now): %v\n", left)
		code = 1
	}
	os.RemoveAll(root)
	os.Exit(code)
}

// env is what a test needs to run the daemons: where, and the children.
type env struct {
	root     string
	children supervisortest.Children
}

func newEnv(t *testing.T) env {
	t.Helper()
	root := os.Getenv(rootEnv)
	if root == "" {
		t.Fatal("no " + rootEnv + ": TestMain did not run")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return env{root: root, children: supervisortest.Children{Exe: exe, Token: root}}
}

// childrenOf returns the children of the daemon whose directory is dir:
// their token is dir, so that they can be found and killed apart from the
// other daemons' when it fails.
func (e env) childrenOf(dir string) supervisortest.Children {
	return supervisortest.Children{Exe: e.children.Exe, Token: dir}
}

// dir makes a directory of its own for one daemon. Its path is short, for
// the unix socket in it.
func (e env) dir(t *testing.T, name string) string {
	t.Helper()
	d, err := os.MkdirTemp(e.root, name+"-")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// supervisord returns the path of Debian's supervisord, or skips the test
// (fails it under CI=true) when it is missing.
func supervisord(t *testing.T) string {
	t.Helper()
	return testenv.LookPath(t, "supervisord", "apt-get install supervisor")
}

// buildProcman builds cmd/procman into a directory of the test's.
func buildProcman(t *testing.T, e env) string {
	t.Helper()
	bin, err := supervisortest.BuildProcman(t.Context(), filepath.Join(e.dir(t, "bin")))
	if err != nil {
		t.Fatal(err)
	}
	return bin
}
