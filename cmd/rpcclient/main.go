// Command rpcclient calls the example server of cmd/rpcserver the way
// DMicro's README does: it dials, calls "/math/add" with [1 2 3 4 5] and the
// metadata author=liuzhiming, and prints the result.
//
//	go run ./cmd/rpcclient -addr 127.0.0.1:9091 [-wire raw|json|pb|http|jsonrpc]
//		[-transport tcp|unix|tls|kcp|quic|websocket|wss] [-ca FILE]
//
// The transports with TLS trust the certificates in -ca (the file where
// rpcserver wrote its self-signed one), or the system's roots.
//
// Copy it as the template of a client.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/dmicro-go/dmicro/cmd/internal/transportflag"
	"github.com/dmicro-go/dmicro/cmd/internal/wireflag"
	"github.com/dmicro-go/dmicro/rpc"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "rpcclient:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:9091", "address of the server")
	network := flag.String("network", "", "network, when the transport has several: tcp4, tcp6, udp4, udp6")
	wireName := flag.String("wire", "raw", wireflag.Usage)
	trName := flag.String("transport", "tcp", transportflag.Usage)
	caFile := flag.String("ca", "", "certificates (PEM) to trust for tls, quic and wss; empty: the system's")
	wait := flag.Duration("wait", 0, "keep trying to connect for this long (for scripts that start the server just before)")
	timeout := flag.Duration("timeout", 5*time.Second, "deadline of the call")
	flag.Parse()

	// Redial forever, one second apart at most, as the seed's client does
	// with RedialTimes: -1 and RedialInterval: time.Second.
	format, err := wireflag.Format(*wireName)
	if err != nil {
		return err
	}
	tr, netName, err := transportflag.Client(*trName, *network, *caFile)
	if err != nil {
		return err
	}
	cli, err := rpc.NewEndpoint(rpc.Config{
		Network:   netName,
		Transport: tr,
		Format:    format,
		Redial:    rpc.RedialPolicy{Attempts: -1, MaxDelay: time.Second},
	})
	if err != nil {
		return err
	}
	defer cli.Close()

	ctx, cancel := context.WithTimeout(context.Background(), *wait+*timeout)
	defer cancel()
	sess, err := dialWithin(ctx, cli, *addr, *wait)
	if err != nil {
		return err
	}
	cctx, ccancel := context.WithTimeout(ctx, *timeout)
	defer ccancel()
	var result int
	err = sess.Call(cctx, "/math/add",
		[]int{1, 2, 3, 4, 5},
		&result,
		rpc.WithMeta("author", "liuzhiming"),
	)
	if err != nil {
		return err
	}
	fmt.Printf("result: %d\n", result)
	return nil
}

// dialWithin dials until it succeeds or wait has passed.
func dialWithin(ctx context.Context, cli *rpc.Endpoint, addr string, wait time.Duration) (*rpc.Session, error) {
	deadline := time.Now().Add(wait)
	for {
		sess, err := cli.Dial(ctx, addr)
		if err == nil || time.Now().After(deadline) {
			return sess, err
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return nil, err
		}
	}
}
