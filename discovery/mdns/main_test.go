package mdns

import (
	"testing"

	"github.com/dmicro-go/dmicro/internal/netnstest"
)

// The tests that send multicast run in a network namespace of their own,
// on its loopback "lo" (see internal/netnstest).
func TestMain(m *testing.M) { netnstest.Main(m) }

func needLink(t *testing.T) { t.Helper(); netnstest.Need(t) }
