package rpc_test

import (
	"os"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
)

func TestMain(m *testing.M) {
	if os.Getenv(emfileChildEnv) != "" {
		emfileChild() // a child process of TestAcceptBackoffOnEMFILE; it exits
	}
	leakcheck.Main(m)
}
