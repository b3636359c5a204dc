package rpc_test

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// TestConformance runs the conformance suite over the transports of the
// core: tcp and unix, each plain and under TLS.
func TestConformance(t *testing.T) {
	for _, env := range []rpctest.Env{
		rpctest.TCP(),
		rpctest.Unix(),
		rpctest.TLS(rpctest.TCP()),
		rpctest.TLS(rpctest.Unix()),
	} {
		rpctest.Run(t, env)
	}
}
