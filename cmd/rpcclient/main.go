// Command rpcclient calls the example server of cmd/rpcserver the way
// DMicro's README does: it dials, calls "/math/add" with [1 2 3 4 5] and the
// metadata author=liuzhiming, and prints the result.
//
//	go run ./cmd/rpcclient -addr 127.0.0.1:9091 [-wire raw|json|pb|http|jsonrpc]
//		[-transport tcp|unix|tls|kcp|quic|websocket|wss] [-ca FILE]
//		[-loop 5s [-interval 10ms]]
//
// The transports with TLS trust the certificates in -ca (the file where
// rpcserver wrote its self-signed one), or the system's roots.
//
// With -loop it calls over and over for that long, as `make demo` does
// while the server reloads, prints how many calls succeeded and failed,
// and exits with 1 if any failed.
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
	loop := flag.Duration("loop", 0, "call over and over for this long, then print how many calls succeeded and failed")
	interval := flag.Duration("interval", 10*time.Millisecond, "pause between the calls of -loop")
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
	if *loop > 0 {
		return callLoop(sess, *loop, *interval, *timeout)
	}
	result, err := add(ctx, sess, *timeout)
	if err != nil {
		return err
	}
	fmt.Printf("result: %d\n", result)
	return nil
}

// add makes the seed's call.
func add(ctx context.Context, sess *rpc.Session, timeout time.Duration) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var result int
	err := sess.Call(ctx, "/math/add",
		[]int{1, 2, 3, 4, 5},
		&result,
		rpc.WithMeta("author", "liuzhiming"),
	)
	if err == nil && result != 15 {
		err = fmt.Errorf("result %d, want 15", result)
	}
	return result, err
}

// callLoop calls add until d has passed, interval apart, and reports how
// many calls succeeded and failed.
func callLoop(sess *rpc.Session, d, interval, timeout time.Duration) error {
	var ok, failed int
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(interval) {
		if _, err := add(context.Background(), sess, timeout); err != nil {
			failed++
			fmt.Fprintln(os.Stderr, "rpcclient: call failed:", err)
			continue
		}
		ok++
	}
	fmt.Printf("calls: %d succeeded, %d failed\n", ok, failed)
	if failed > 0 {
		return fmt.Errorf("%d of %d calls failed", failed, ok+failed)
	}
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
