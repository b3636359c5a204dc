//go:build !linux

package mdns

import (
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
)

// nsEnv names the test namespace; tests needing multicast run only in it,
// which TestMain makes on Linux.
const nsEnv = "DMICRO_MDNS_NETNS"

func TestMain(m *testing.M) { leakcheck.Main(m) }
