//go:build !linux

package netnstest

import (
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
)

// Main runs m's tests in place: namespaces are Linux only, so Need skips.
func Main(m *testing.M) { leakcheck.Main(m) }
