package rpc_test

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/rpc/wire"
	wirehttp "github.com/dmicro-go/dmicro/rpc/wire/http"
	wirejson "github.com/dmicro-go/dmicro/rpc/wire/json"
	"github.com/dmicro-go/dmicro/rpc/wire/jsonrpc"
	"github.com/dmicro-go/dmicro/rpc/wire/pb"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
)

// TestConformanceFormats runs the conformance suite over every frame
// format on loopback TCP.
func TestConformanceFormats(t *testing.T) {
	for _, f := range []wire.Format{raw.Format{}, wirejson.Format{}, pb.Format{}, wirehttp.Format{}, jsonrpc.Format{}} {
		env := rpctest.TCP()
		env.Format = f
		env.Name = "tcp/" + f.Name()
		if f.Name() == "jsonrpc" {
			env.Lacks = map[string]string{
				"CallerCancel": "JSON-RPC 2.0 has no cancel message: a handler learns that its caller gave up only when the connection ends",
				"GoingAway":    "JSON-RPC 2.0 has no go-away message: a server that goes away can only close the connection",
			}
		}
		rpctest.Run(t, env)
	}
}
