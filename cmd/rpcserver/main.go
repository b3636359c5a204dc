// Command rpcserver serves the example of DMicro's README in dmicro: a Math
// service whose Add method sums a list of integers and logs the "author"
// metadata of each call.
//
//	go run ./cmd/rpcserver -addr 127.0.0.1:9091
//
// SIGINT or SIGTERM shuts it down gracefully: calls in flight finish first.
// Copy it as the template of a server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

// Math is the service. Embedding rpc.CallCtx gives its methods the call's
// metadata, session and context, as in DMicro.
type Math struct {
	rpc.CallCtx
}

// Add sums the integers; it is routed as "/math/add".
func (m *Math) Add(arg *[]int) (int, *rpc.Status) {
	slog.InfoContext(m.Context(), "math.add", "author", m.PeekMeta("author"))
	var r int
	for _, a := range *arg {
		r += a
	}
	return r, nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "rpcserver:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:9091", "address to listen on")
	network := flag.String("network", "tcp", "network: tcp, tcp4, tcp6 or unix")
	grace := flag.Duration("grace", 10*time.Second, "how long a shutdown waits for calls in flight")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	slog.SetDefault(logger)
	ep, err := rpc.NewEndpoint(rpc.Config{
		Network:    *network,
		ListenAddr: *addr,
		Logger:     logger,
		LogCalls:   true,
	})
	if err != nil {
		return err
	}
	if _, err := ep.RouteCall(new(Math)); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- ep.ListenAndServe() }()
	select {
	case err := <-served:
		return err // could not listen
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	if err := ep.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, rpc.ErrServerClosed) {
		return err
	}
	return nil
}
