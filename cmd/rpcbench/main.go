// Command rpcbench is a load generator for dmicro: one process serves a
// unary echo of the ~581-byte benchmark message (rpcx-benchmark's
// workload), another calls it from many callers over one or many
// connections, and the client prints calls/s, latency (mean, p50, p99,
// p99.9, HDR-style histogram) and the CPU time and syscalls of both
// processes per call.
//
//	go run ./cmd/rpcbench -callers 64                  # starts its own server process
//	go run ./cmd/rpcbench -server -addr 127.0.0.1:9300 # a server ...
//	go run ./cmd/rpcbench -client -addr 127.0.0.1:9300 -callers 512 -conns 1 -duration 10s
//
// The load is closed-loop unless -rate is given: then each call's latency
// counts from when it was due, so that a stall shows in the percentiles
// (coordinated omission). -wire, -codec and -transport choose the frame
// format, the body codec and the transport; -size the message size; -json
// prints the result as one JSON object, for scripts; -cpuprofile and
// -memprofile write this process's profiles, and -trace its execution
// trace (give them to -server and -client runs to see each side).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"syscall"
	"time"

	"github.com/dmicro-go/dmicro/cmd/internal/transportflag"
	"github.com/dmicro-go/dmicro/cmd/internal/wireflag"
	"github.com/dmicro-go/dmicro/internal/benchpb"
	"github.com/dmicro-go/dmicro/internal/loadgen"
	"github.com/dmicro-go/dmicro/rpc"
	"google.golang.org/protobuf/proto"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "rpcbench:", err)
		os.Exit(1)
	}
}

// flags are the command's options.
type flags struct {
	server, client bool
	addr           string
	network        string
	wire, codec    string
	transport      string
	cert, key, ca  string
	certOut        string
	callers, conns int
	duration       time.Duration
	warmup         time.Duration
	calls          int64
	rate           float64
	size           int
	jsonOut        bool
	bytesBody      bool
	cpuProfile     string
	memProfile     string
	traceFile      string
}

func parse() *flags {
	f := &flags{}
	flag.BoolVar(&f.server, "server", false, "serve the benchmark and print its address")
	flag.BoolVar(&f.client, "client", false, "call a server started with -server at -addr")
	flag.StringVar(&f.addr, "addr", "127.0.0.1:0", "address to listen on (-server) or to call (-client)")
	flag.StringVar(&f.network, "network", "", "network, when the transport has several: tcp4, tcp6, udp4, udp6")
	flag.StringVar(&f.wire, "wire", "raw", wireflag.Usage)
	flag.StringVar(&f.codec, "codec", "protobuf", "body codec: protobuf or json")
	flag.StringVar(&f.transport, "transport", "tcp", transportflag.Usage)
	flag.StringVar(&f.cert, "cert", "", "certificate (PEM) of a -server over tls, quic or wss")
	flag.StringVar(&f.key, "key", "", "private key (PEM) of -cert")
	flag.StringVar(&f.certOut, "cert-out", filepath.Join(os.TempDir(), "dmicro-rpcbench.pem"), "where a -server writes its self-signed certificate when -cert is not given")
	flag.StringVar(&f.ca, "ca", "", "certificates (PEM) a -client trusts for tls, quic and wss")
	flag.IntVar(&f.callers, "callers", 1, "concurrent callers")
	flag.IntVar(&f.conns, "conns", 1, "connections the callers share, round robin")
	flag.DurationVar(&f.duration, "duration", 5*time.Second, "length of the measured window")
	flag.DurationVar(&f.warmup, "warmup", time.Second, "calls before the window, not counted")
	flag.Int64Var(&f.calls, "calls", 0, "end the window after this many calls instead (0: -duration)")
	flag.Float64Var(&f.rate, "rate", 0, "calls per second from all callers together (0: closed loop)")
	flag.IntVar(&f.size, "size", benchpb.SampleSize, "encoded size of the message each way, in bytes (at least 200)")
	flag.BoolVar(&f.jsonOut, "json", false, "print the result as JSON")
	flag.BoolVar(&f.bytesBody, "bytes", false, "echo -size raw bytes with the plain codec instead of the message: the cost of the rpc layer without a codec's")
	flag.StringVar(&f.cpuProfile, "cpuprofile", "", "write this process's CPU profile to the file (go tool pprof)")
	flag.StringVar(&f.memProfile, "memprofile", "", "write this process's allocation profile to the file at the end")
	flag.StringVar(&f.traceFile, "trace", "", "write this process's execution trace to the file (go tool trace)")
	flag.Parse()
	return f
}

func run() error {
	f := parse()
	if f.cpuProfile != "" {
		out, err := os.Create(f.cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(out); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if f.traceFile != "" {
		out, err := os.Create(f.traceFile)
		if err != nil {
			return err
		}
		if err := trace.Start(out); err != nil {
			return err
		}
		defer trace.Stop()
	}
	if f.memProfile != "" {
		runtime.MemProfileRate = 64 << 10
		defer func() {
			if out, err := os.Create(f.memProfile); err == nil {
				pprof.Lookup("allocs").WriteTo(out, 0)
				out.Close()
			}
		}()
	}
	switch {
	case f.server && f.client:
		return errors.New("-server and -client exclude each other")
	case f.server:
		return serve(f)
	case f.client:
		return callAndReport(f)
	}
	return runBoth(f)
}

// serve runs the benchmark server until SIGINT or SIGTERM. It prints
// "listening on ADDR" on stdout once it serves.
func serve(f *flags) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	tr, netName, err := transportflag.Server(f.transport, f.network, f.cert, f.key, f.certOut, logger)
	if err != nil {
		return err
	}
	format, err := wireflag.Format(f.wire)
	if err != nil {
		return err
	}
	ep, err := rpc.NewEndpoint(rpc.Config{Network: netName, Transport: tr, Format: format, DefaultCodec: f.codec, Logger: logger})
	if err != nil {
		return err
	}
	if err := routeBench(ep); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	l, err := tr.Listen(ctx, netName, f.addr)
	if err != nil {
		return err
	}
	fmt.Printf("listening on %s\n", l.Addr())
	served := make(chan error, 1)
	go func() { served <- ep.Serve(l) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return ep.Shutdown(sctx)
}

// routeBench registers the benchmark's handlers: /bench/echo returns its
// argument, /bench/usage the server's usage so far.
func routeBench(ep *rpc.Endpoint) error {
	err := ep.Router().HandleCall("/bench/echo", rpc.CallFunc(func(_ *rpc.CallCtx, m *benchpb.BenchmarkMessage) (*benchpb.BenchmarkMessage, error) {
		return m, nil
	}))
	if err != nil {
		return err
	}
	err = ep.Router().HandleCall("/bench/bytes", rpc.CallFunc(func(_ *rpc.CallCtx, b *[]byte) ([]byte, error) {
		return *b, nil
	}))
	if err != nil {
		return err
	}
	return ep.Router().HandleCall("/bench/usage", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (loadgen.Usage, error) {
		return loadgen.Self(), nil
	}))
}

// callAndReport runs the load against f.addr and prints the result.
func callAndReport(f *flags) error {
	r, err := call(f)
	if err != nil {
		return err
	}
	if f.jsonOut {
		return json.NewEncoder(os.Stdout).Encode(r)
	}
	fmt.Print(r.String())
	return nil
}

// call dials f.conns sessions and runs the load over them.
func call(f *flags) (loadgen.Result, error) {
	tr, netName, err := transportflag.Client(f.transport, f.network, f.ca)
	if err != nil {
		return loadgen.Result{}, err
	}
	format, err := wireflag.Format(f.wire)
	if err != nil {
		return loadgen.Result{}, err
	}
	cli, err := rpc.NewEndpoint(rpc.Config{Network: netName, Transport: tr, Format: format, DefaultCodec: f.codec})
	if err != nil {
		return loadgen.Result{}, err
	}
	defer cli.Close()
	ctx := context.Background()
	conns := max(f.conns, 1)
	sessions := make([]*rpc.Session, conns)
	for i := range sessions {
		if sessions[i], err = cli.Dial(ctx, f.addr); err != nil {
			return loadgen.Result{}, err
		}
	}
	arg, err := message(f.size)
	if err != nil {
		return loadgen.Result{}, err
	}
	raw := make([]byte, f.size)
	var cliBefore, srvBefore, cliUsed, srvUsed loadgen.Usage
	serverUsage := func() loadgen.Usage {
		var u loadgen.Usage
		// JSON, whatever -codec says: the usage is not part of the load.
		sessions[0].Call(ctx, "/bench/usage", struct{}{}, &u, rpc.WithCodec("json"))
		return u
	}
	r, err := loadgen.Run(ctx, loadgen.Options{
		Callers: f.callers, Warmup: f.warmup, Duration: f.duration, Calls: f.calls, Rate: f.rate,
		Window: func(start bool) {
			if start {
				cliBefore, srvBefore = loadgen.Self(), serverUsage()
				return
			}
			cliUsed, srvUsed = loadgen.Self().Sub(cliBefore), serverUsage().Sub(srvBefore)
		},
	}, func(ctx context.Context, caller int) error {
		if f.bytesBody {
			var reply []byte
			return sessions[caller%conns].Call(ctx, "/bench/bytes", raw, &reply, rpc.WithCodec("plain"))
		}
		var reply benchpb.BenchmarkMessage
		return sessions[caller%conns].Call(ctx, "/bench/echo", arg, &reply)
	})
	r.System, r.Conns, r.Client, r.Server = "dmicro", conns, cliUsed, srvUsed
	return r, err
}

// message returns the benchmark message grown or shrunk to size bytes.
func message(size int) (*benchpb.BenchmarkMessage, error) {
	m := benchpb.Sample()
	if size == benchpb.SampleSize {
		return m, nil
	}
	m.Description = ""
	base := proto.Size(m)
	if size < base+2 {
		return nil, fmt.Errorf("-size %d is below the %d bytes of the message's other fields", size, base+2)
	}
	for n := size - base - 2; n >= 0; n-- { // the length prefix takes 1 to 3 bytes
		m.Description = strings.Repeat("x", n)
		if proto.Size(m) <= size {
			break
		}
	}
	return m, nil
}

// runBoth starts this program as a server in a child process, runs the
// client against it, and stops the server.
func runBoth(f *flags) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "rpcbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	certFile := filepath.Join(dir, "cert.pem")
	args := []string{"-server", "-addr", f.addr, "-transport", f.transport, "-wire", f.wire, "-codec", f.codec, "-cert-out", certFile}
	if f.network != "" {
		args = append(args, "-network", f.network)
	}
	srv := exec.Command(exe, args...)
	srv.Stderr = os.Stderr
	out, err := srv.StdoutPipe()
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		srv.Process.Signal(syscall.SIGTERM)
		srv.Wait()
	}()
	addr, err := listeningAddr(out)
	if err != nil {
		return err
	}
	go io.Copy(io.Discard, out)
	f.addr, f.ca = addr, certFile
	return callAndReport(f)
}

// listeningAddr reads the server's "listening on ADDR" line.
func listeningAddr(out io.Reader) (string, error) {
	line, err := bufio.NewReader(out).ReadString('\n')
	if addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on "); ok {
		return addr, nil
	}
	return "", fmt.Errorf("the server did not start: %q, %v", line, err)
}
