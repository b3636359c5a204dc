package xmlrpc_test

import (
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }
