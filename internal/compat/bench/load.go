package bench

import (
	"context"

	"github.com/dmicro-go/dmicro/internal/loadgen"
)

// Load opens conns connections of sys to addr and runs opts over them,
// callers spread round robin, reading both processes' usage at the edges
// of the window.
func Load(ctx context.Context, sys System, name, addr string, conns int, opts loadgen.Options) (loadgen.Result, error) {
	conns = max(conns, 1)
	clients := make([]Client, 0, conns)
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for range conns {
		c, err := sys.Dial(ctx, addr)
		if err != nil {
			return loadgen.Result{}, err
		}
		clients = append(clients, c)
	}
	var cliBefore, srvBefore, cliUsed, srvUsed loadgen.Usage
	opts.Window = func(start bool) {
		srv, _ := clients[0].Usage(ctx)
		if start {
			cliBefore, srvBefore = loadgen.Self(), srv
			return
		}
		cliUsed, srvUsed = loadgen.Self().Sub(cliBefore), srv.Sub(srvBefore)
	}
	r, err := loadgen.Run(ctx, opts, func(ctx context.Context, caller int) error {
		return clients[caller%conns].Call(ctx)
	})
	r.System, r.Conns, r.Client, r.Server = name, conns, cliUsed, srvUsed
	return r, err
}
