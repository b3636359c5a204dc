package json_test

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/rpc/wire/json"
)

// TestConformance runs the rpc package's conformance suite with every
// frame in this format.
func TestConformance(t *testing.T) {
	env := rpctest.TCP()
	env.Name, env.Format = "tcp+json", json.Format{}
	rpctest.Run(t, env)
}
