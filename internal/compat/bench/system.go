package bench

import (
	"context"
	"fmt"
	"net"
	"sort"

	"github.com/dmicro-go/dmicro/internal/loadgen"
)

// A System is one RPC implementation under test: a server of the echo
// call and of a usage call, and its client.
type System interface {
	// Serve serves l until l is closed.
	Serve(l net.Listener) error
	// Dial opens one client connection to addr.
	Dial(ctx context.Context, addr string) (Client, error)
}

// A Client is one connection of a System's client, safe for concurrent
// calls.
type Client interface {
	// Call makes one echo call of the benchmark payload.
	Call(ctx context.Context) error
	// Usage asks the server for its usage so far (loadgen.Self).
	Usage(ctx context.Context) (loadgen.Usage, error)
	Close() error
}

// Systems are the systems of this module, by name.
var Systems = map[string]System{
	"echo":           Echo{},
	"echo-coalesced": Echo{Coalesce: true},
	"netrpc":         NetRPC{},
	"grpc":           GRPC{},
}

// Lookup returns the system named name.
func Lookup(name string) (System, error) {
	if s, ok := Systems[name]; ok {
		return s, nil
	}
	var names []string
	for n := range Systems {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, fmt.Errorf("unknown system %q (want one of %v)", name, names)
}
