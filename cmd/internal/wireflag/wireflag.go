// Package wireflag maps the -wire flag of the example commands to frame
// formats.
package wireflag

import (
	"fmt"

	"github.com/dmicro-go/dmicro/rpc/wire"
	wirehttp "github.com/dmicro-go/dmicro/rpc/wire/http"
	wirejson "github.com/dmicro-go/dmicro/rpc/wire/json"
	"github.com/dmicro-go/dmicro/rpc/wire/jsonrpc"
	"github.com/dmicro-go/dmicro/rpc/wire/pb"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
)

// Usage describes the values Format accepts.
const Usage = "frame format: raw, json, pb, http or jsonrpc"

// JSONRPCPath is where the http format of the commands carries JSON-RPC 2.0.
const JSONRPCPath = "/jsonrpc"

// Format returns the format named name.
func Format(name string) (wire.Format, error) {
	switch name {
	case "", "raw":
		return raw.Format{}, nil
	case "json":
		return wirejson.Format{}, nil
	case "pb":
		return pb.Format{}, nil
	case "http":
		return wirehttp.Format{JSONRPCPath: JSONRPCPath, JSONRPC: jsonrpc.Format{}}, nil
	case "jsonrpc":
		return jsonrpc.Format{}, nil
	}
	return nil, fmt.Errorf("unknown -wire %q (%s)", name, Usage)
}

// All returns every format, for a listener that serves them all on one port.
func All() []wire.Format {
	return []wire.Format{raw.Format{}, wirejson.Format{}, pb.Format{}, wirehttp.Format{JSONRPCPath: JSONRPCPath, JSONRPC: jsonrpc.Format{}}, jsonrpc.Format{}}
}
