package rpc_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"

	"github.com/dmicro-go/dmicro/internal/benchpb"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire"
	wirehttp "github.com/dmicro-go/dmicro/rpc/wire/http"
	wirejson "github.com/dmicro-go/dmicro/rpc/wire/json"
	"github.com/dmicro-go/dmicro/rpc/wire/jsonrpc"
	"github.com/dmicro-go/dmicro/rpc/wire/pb"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
)

// echoPair starts a server echoing a BenchmarkMessage at /bench/echo and a
// client session to it over loopback TCP.
func echoPair(b *testing.B, cfg rpc.Config) (*rpc.Session, func()) {
	b.Helper()
	srv, err := rpc.NewEndpoint(cfg)
	if err != nil {
		b.Fatal(err)
	}
	err = srv.Router().HandleCall("/bench/echo", rpc.CallFunc(func(_ *rpc.CallCtx, m *benchpb.BenchmarkMessage) (*benchpb.BenchmarkMessage, error) {
		return m, nil
	}))
	if err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(l)
	cli, err := rpc.NewEndpoint(cfg)
	if err != nil {
		b.Fatal(err)
	}
	s, err := cli.Dial(context.Background(), l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	return s, func() { cli.Close(); srv.Close() }
}

// BenchmarkCall measures one unary call of the 581-byte message each way,
// raw frame and protobuf codec, over loopback TCP in one process, with 1,
// 64 and 512 concurrent callers on one session.
func BenchmarkCall(b *testing.B) {
	for _, callers := range []int{1, 64, 512} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			s, stop := echoPair(b, rpc.Config{DefaultCodec: "protobuf"})
			defer stop()
			arg := benchpb.Sample()
			ctx := context.Background()
			b.ReportAllocs()
			b.SetBytes(2 * benchpb.SampleSize)
			b.SetParallelism((callers + 1) / 2) // GOMAXPROCS is 2 on the CI machines
			if callers == 1 {
				for b.Loop() {
					var reply benchpb.BenchmarkMessage
					if err := s.Call(ctx, "/bench/echo", arg, &reply); err != nil {
						b.Fatal(err)
					}
				}
				return
			}
			var once sync.Once
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					var reply benchpb.BenchmarkMessage
					if err := s.Call(ctx, "/bench/echo", arg, &reply); err != nil {
						once.Do(func() { b.Error(err) })
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
		})
	}
}

// BenchmarkCallFormat compares the frame formats on the same call: the
// 581-byte message each way, 64 concurrent callers on one session. JSON-RPC
// carries JSON only, so every format is measured with the json codec too.
func BenchmarkCallFormat(b *testing.B) {
	formats := []wire.Format{raw.Format{}, wirejson.Format{}, pb.Format{}, wirehttp.Format{}, jsonrpc.Format{}}
	for _, codecName := range []string{"protobuf", "json"} {
		for _, f := range formats {
			if codecName == "protobuf" && f.Name() == "jsonrpc" {
				continue
			}
			b.Run(f.Name()+"/"+codecName, func(b *testing.B) {
				benchParallel(b, rpc.Config{Format: f, DefaultCodec: codecName}, 64)
			})
		}
	}
}

// BenchmarkCallFilter measures each transfer filter on the same call
// (raw frame, protobuf codec, 64 callers).
func BenchmarkCallFilter(b *testing.B) {
	for _, name := range []string{"none", "gzip", "md5", "aes-gcm"} {
		b.Run(name, func(b *testing.B) {
			cfg := filterConfig(b)
			cfg.DefaultCodec = "protobuf"
			if name != "none" {
				cfg.DefaultFilters = []string{name}
			}
			benchParallel(b, cfg, 64)
		})
	}
}

func benchParallel(b *testing.B, cfg rpc.Config, callers int) {
	s, stop := echoPair(b, cfg)
	defer stop()
	arg := benchpb.Sample()
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(2 * benchpb.SampleSize)
	b.SetParallelism((callers + 1) / 2)
	var once sync.Once
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var reply benchpb.BenchmarkMessage
			if err := s.Call(ctx, "/bench/echo", arg, &reply); err != nil {
				once.Do(func() { b.Error(err) })
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}
