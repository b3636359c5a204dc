package etcdtest_test

import (
	"os"
	"testing"

	"github.com/dmicro-go/dmicro/internal/etcdtest"
)

func TestBinaryFromEnv(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	t.Setenv(etcdtest.EnvBinary, self)
	if got := etcdtest.Binary(t); got != self {
		t.Fatalf("Binary with %s=%s: %q", etcdtest.EnvBinary, self, got)
	}
}

func TestStartLogsVersion(t *testing.T) {
	m := etcdtest.Start(t)
	if !m.Running() {
		t.Fatal("member not running after Start")
	}
}
