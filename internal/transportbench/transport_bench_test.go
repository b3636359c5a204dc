package transportbench

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/dmicro-go/dmicro/internal/benchpb"
	"github.com/dmicro-go/dmicro/internal/loadgen"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/transport"
	"github.com/dmicro-go/dmicro/transport/kcp"
	"github.com/dmicro-go/dmicro/transport/quic"
	"github.com/dmicro-go/dmicro/transport/websocket"
)

// network is one transport to measure.
type network struct {
	name           string
	net            string
	server, client transport.Transport
	addr           func(b *testing.B) string
}

func networks() []network {
	loopback := func(*testing.B) string { return "127.0.0.1:0" }
	cert := rpctest.Cert()
	client := cert.ClientConfig()
	client.ServerName = "localhost"
	return []network{
		{"tcp", "tcp", transport.Net{}, transport.Net{}, loopback},
		{"unix", "unix", transport.Net{}, transport.Net{}, func(b *testing.B) string {
			return filepath.Join(b.TempDir(), "s.sock")
		}},
		{"tls", "tcp", transport.TLS{Config: cert.ServerConfig()}, transport.TLS{Config: client}, loopback},
		{"kcp", "udp", kcp.Transport{}, kcp.Transport{}, loopback},
		{"quic", "udp", quic.New(quic.Config{TLS: cert.ServerConfig()}), quic.New(quic.Config{TLS: client}), loopback},
		{"ws", "tcp", websocket.Transport{}, websocket.Transport{}, loopback},
		{"wss", "tcp", websocket.Transport{Config: websocket.Config{TLS: cert.ServerConfig()}}, websocket.Transport{Config: websocket.Config{TLS: client}}, loopback},
	}
}

// BenchmarkTransport calls /bench/echo with the benchmark message, raw
// frame and protobuf codec, over each transport, with 1 and 64 callers on
// one session. It reports calls/s and the p50 and p99 latency of a call.
func BenchmarkTransport(b *testing.B) {
	for _, n := range networks() {
		for _, callers := range []int{1, 64} {
			b.Run(fmt.Sprintf("%s/callers=%d", n.name, callers), func(b *testing.B) {
				sess := echoPair(b, n)
				measure(b, sess, callers)
			})
		}
	}
}

// echoPair serves /bench/echo over n and returns a client session to it.
func echoPair(b *testing.B, n network) *rpc.Session {
	b.Helper()
	srv, err := rpc.NewEndpoint(rpc.Config{Network: n.net, Transport: n.server, DefaultCodec: "protobuf"})
	if err != nil {
		b.Fatal(err)
	}
	err = srv.Router().HandleCall("/bench/echo", rpc.CallFunc(func(_ *rpc.CallCtx, m *benchpb.BenchmarkMessage) (*benchpb.BenchmarkMessage, error) {
		return m, nil
	}))
	if err != nil {
		b.Fatal(err)
	}
	l, err := n.server.Listen(context.Background(), n.net, n.addr(b))
	if err != nil {
		b.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(l)
	}()
	cli, err := rpc.NewEndpoint(rpc.Config{Network: n.net, Transport: n.client, DefaultCodec: "protobuf"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cli.Close()
		srv.Close()
		<-served
	})
	sess, err := cli.Dial(context.Background(), l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	return sess
}

// measure makes b.N calls from callers goroutines with internal/loadgen,
// the measurement of cmd/rpcbench, and reports the rate and the latency
// percentiles.
func measure(b *testing.B, sess *rpc.Session, callers int) {
	arg := benchpb.Sample()
	ctx := context.Background()
	var reply benchpb.BenchmarkMessage
	for range 100 { // warm up: connection windows, pools
		if err := sess.Call(ctx, "/bench/echo", arg, &reply); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.SetBytes(2 * benchpb.SampleSize)
	b.ResetTimer()
	r, err := loadgen.Run(ctx, loadgen.Options{Callers: callers, Calls: int64(b.N)}, func(ctx context.Context, _ int) error {
		var reply benchpb.BenchmarkMessage
		return sess.Call(ctx, "/bench/echo", arg, &reply)
	})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if r.Errors > 0 {
		b.Fatalf("%d calls failed; first: %s", r.Errors, r.FirstError)
	}
	b.ReportMetric(r.CallsPerSec, "calls/s")
	b.ReportMetric(float64(r.P50.Microseconds()), "p50-µs")
	b.ReportMetric(float64(r.P99.Microseconds()), "p99-µs")
}
