package mdns

import (
	"os"
	"testing"

	"github.com/dmicro-go/dmicro/internal/testenv"
)

// needLink skips t unless it runs in the test namespace.
func needLink(t *testing.T) {
	t.Helper()
	if os.Getenv(nsEnv) != "" {
		return
	}
	if testenv.InCI() {
		t.Fatal("multicast tests need a network namespace (run as root); required when CI=true")
	}
	t.Skip("multicast tests run in a network namespace: run as root")
}
