package rpctest_test

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/transport"
)

// ExampleRunFormats shows a transport package's conformance test: one call
// runs every behaviour the rpc layer needs from a transport, with the raw
// and json frame formats.
func ExampleRunFormats() {
	// In the transport package's conformance_test.go:
	_ = func(t *testing.T) {
		rpctest.RunFormats(t, rpctest.Env{
			Name:    "tcp",
			Network: "tcp",
			Server:  transport.Net{},
			Client:  transport.Net{},
			Addr:    func(testing.TB) string { return "127.0.0.1:0" },
		})
	}
}
