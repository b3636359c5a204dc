// Command node runs one side of a system of the comparison module: the
// server, which prints "listening on ADDR", or the client, which prints
// the result of its load (as JSON with -json), in the same form as
// dmicro's cmd/rpcbench.
//
//	node -system grpc -server -addr 127.0.0.1:0
//	node -system grpc -client -addr 127.0.0.1:40123 -callers 64 -conns 1 -duration 4s -json
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime/trace"
	"syscall"
	"time"

	"github.com/dmicro-go/dmicro/internal/compat/bench"
	"github.com/dmicro-go/dmicro/internal/loadgen"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "node:", err)
		os.Exit(1)
	}
}

func run() error {
	system := flag.String("system", "echo", "echo, echo-coalesced, netrpc or grpc")
	server := flag.Bool("server", false, "serve")
	client := flag.Bool("client", false, "call a server at -addr")
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on or to call")
	callers := flag.Int("callers", 1, "concurrent callers")
	conns := flag.Int("conns", 1, "connections the callers share")
	duration := flag.Duration("duration", 5*time.Second, "measured window")
	warmup := flag.Duration("warmup", time.Second, "calls before the window")
	jsonOut := flag.Bool("json", false, "print the result as JSON")
	traceFile := flag.String("trace", "", "write this process's execution trace to the file")
	flag.Parse()
	if *traceFile != "" {
		out, err := os.Create(*traceFile)
		if err != nil {
			return err
		}
		if err := trace.Start(out); err != nil {
			return err
		}
		defer trace.Stop()
	}
	sys, err := bench.Lookup(*system)
	if err != nil {
		return err
	}
	switch {
	case *server == *client:
		return errors.New("give one of -server and -client")
	case *server:
		l, err := net.Listen("tcp", *addr)
		if err != nil {
			return err
		}
		fmt.Printf("listening on %s\n", l.Addr())
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		go func() {
			<-ctx.Done()
			l.Close()
		}()
		if err := sys.Serve(l); err != nil && ctx.Err() == nil {
			return err
		}
		return nil
	}
	r, err := bench.Load(context.Background(), sys, *system, *addr, *conns,
		loadgen.Options{Callers: *callers, Warmup: *warmup, Duration: *duration})
	if err != nil {
		return err
	}
	if *jsonOut {
		return json.NewEncoder(os.Stdout).Encode(r)
	}
	fmt.Print(r.String())
	return nil
}
