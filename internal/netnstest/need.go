package netnstest

import (
	"os"
	"testing"

	"github.com/dmicro-go/dmicro/internal/testenv"
)

// Env is set to the namespace's name in the re-executed binary.
const Env = "DMICRO_NETNS"

// Need skips t unless it runs inside the test namespace.
func Need(t testing.TB) {
	t.Helper()
	if os.Getenv(Env) != "" {
		return
	}
	if testenv.InCI() {
		t.Fatal("multicast tests need a network namespace (run as root); required when CI=true")
	}
	t.Skip("multicast tests run in a network namespace: run as root")
}
