package rpc_test

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// TestConformance runs the conformance suite over the transports of the
// core, unix and TLS over tcp and over unix, with raw and json frames;
// TestConformanceFormats runs it over tcp with every format.
func TestConformance(t *testing.T) {
	for _, env := range []rpctest.Env{
		rpctest.Unix(),
		rpctest.TLS(rpctest.TCP()),
		rpctest.TLS(rpctest.Unix()),
	} {
		rpctest.RunFormats(t, env)
	}
}
