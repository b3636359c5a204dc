// Command rpcserver serves the example of DMicro's README in dmicro: a Math
// service whose Add method sums a list of integers and logs the "author"
// metadata of each call.
//
//	go run ./cmd/rpcserver -addr 127.0.0.1:9091 [-wire raw|json|pb|http|jsonrpc|auto]
//		[-transport tcp|unix|tls|kcp|quic|websocket|wss] [-cert FILE -key FILE]
//
// With -wire auto one port serves every format: the example client in each
// of them, curl (POST /math/add with a JSON body) and any JSON-RPC 2.0
// client, over a raw stream or POST /jsonrpc. Over tcp and tls it serves
// WebSocket on that port too, on ws://ADDR/ (wss:// over tls), in any of
// the formats: rpcclient -transport websocket (or wss), and browsers with
// transport/websocket/js/dmicro.js, whose pages must be of the server's
// own origin.
//
// The transports with TLS (tls, quic, wss) serve -cert and -key, or else a
// self-signed certificate made at start, written to -cert-out for clients
// to trust (go run ./cmd/rpcclient -transport quic -ca FILE).
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
	"path/filepath"
	"syscall"
	"time"

	"github.com/dmicro-go/dmicro/cmd/internal/transportflag"
	"github.com/dmicro-go/dmicro/cmd/internal/wireflag"
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
	network := flag.String("network", "", "network, when the transport has several: tcp4, tcp6, udp4, udp6")
	wireName := flag.String("wire", "raw", wireflag.Usage+", or auto for all of them on one port")
	trName := flag.String("transport", "tcp", transportflag.Usage)
	certFile := flag.String("cert", "", "certificate (PEM) of tls, quic and wss")
	keyFile := flag.String("key", "", "private key (PEM) of -cert")
	certOut := flag.String("cert-out", filepath.Join(os.TempDir(), "dmicro-rpcserver.pem"), "where the self-signed certificate goes when -cert is not given")
	grace := flag.Duration("grace", 10*time.Second, "how long a shutdown waits for calls in flight")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	slog.SetDefault(logger)
	tr, netName, err := transportflag.Server(*trName, *network, *certFile, *keyFile, *certOut, logger)
	if err != nil {
		return err
	}
	cfg := rpc.Config{
		Network:    netName,
		Transport:  tr,
		ListenAddr: *addr,
		Logger:     logger,
		LogCalls:   true,
	}
	if *wireName == "auto" {
		cfg.Formats = wireflag.All()
		if cfg.Upgraders, err = transportflag.Upgraders(*trName, logger); err != nil {
			return err
		}
	} else {
		f, err := wireflag.Format(*wireName)
		if err != nil {
			return err
		}
		cfg.Format = f
	}
	ep, err := rpc.NewEndpoint(cfg)
	if err != nil {
		return err
	}
	if _, err := ep.Router().RouteCall(new(Math)); err != nil {
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
