package quic

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"testing"

	quicgo "github.com/quic-go/quic-go"

	"github.com/dmicro-go/dmicro/transport"
)

// BenchmarkStreamPerCall is the design this package did not take: a QUIC
// stream per call, here a bare echo of 581 bytes with no rpc framing or
// codec at all, at 64 concurrent callers on one connection. Compare it
// with the rpc call over this transport's one stream, which does more per
// call:
//
//	go test -run '^$' -bench StreamPerCall ./transport/quic/
//	go test -run '^$' -bench 'Transport/quic/callers=64' ./internal/transportbench/
func BenchmarkStreamPerCall(b *testing.B) {
	ss, err := transport.NewSelfSigned()
	if err != nil {
		b.Fatal(err)
	}
	srvTLS := ss.ServerConfig()
	srvTLS.NextProtos = []string{NextProto}
	cliTLS := ss.ClientConfig()
	cliTLS.NextProtos, cliTLS.ServerName = []string{NextProto}, "localhost"
	qconf := &quicgo.Config{MaxIncomingStreams: 1 << 16}
	ln, err := quicgo.ListenAddr("127.0.0.1:0", srvTLS, qconf)
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() {
		defer wg.Done()
		qc, err := ln.Accept(ctx)
		if err != nil {
			return
		}
		for {
			st, err := qc.AcceptStream(ctx)
			if err != nil {
				return
			}
			go func() {
				io.Copy(st, st) // echo until the caller's FIN, then FIN
				st.Close()
			}()
		}
	}()
	qc, err := quicgo.DialAddr(ctx, ln.Addr().String(), cliTLS, qconf)
	if err != nil {
		b.Fatal(err)
	}
	defer qc.CloseWithError(0, "")
	msg := make([]byte, 581)
	var next atomic.Int64
	b.SetBytes(2 * int64(len(msg)))
	b.ResetTimer()
	var callers sync.WaitGroup
	for range 64 {
		callers.Add(1)
		go func() {
			defer callers.Done()
			buf := make([]byte, len(msg))
			for next.Add(1) <= int64(b.N) {
				st, err := qc.OpenStreamSync(ctx)
				if err != nil {
					b.Error(err)
					return
				}
				st.Write(msg)
				st.Close()
				if _, err := io.ReadFull(st, buf); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	callers.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}
