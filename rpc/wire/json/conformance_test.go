package json_test

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/rpc/wire/json"
)

// TestConformance runs the rpc package's conformance suite over TCP with
// every frame in this format.
func TestConformance(t *testing.T) {
	rpctest.RunFormats(t, rpctest.TCP(), json.Format{})
}
