package kcp_test

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/transport/kcp"
)

// junkSegments returns a datagram of KCP PUSH segments of conversation
// conv with the sequence numbers first to last and no data: KCP-shaped
// junk that makes a session on a listener, never gives it a first chunk,
// and makes it hold a packet buffer for each segment its window takes.
func junkSegments(conv uint32, first, last int) []byte {
	const cmdPush = 81
	var b []byte
	for sn := first; sn <= last; sn++ {
		b = binary.LittleEndian.AppendUint32(b, conv)
		b = append(b, cmdPush, 0)
		b = binary.LittleEndian.AppendUint16(b, 32) // window
		b = binary.LittleEndian.AppendUint32(b, 0)  // timestamp
		b = binary.LittleEndian.AppendUint32(b, uint32(sn))
		b = binary.LittleEndian.AppendUint32(b, 0) // una
		b = binary.LittleEndian.AppendUint32(b, 0) // length
	}
	return b
}

// heapHeld returns the bytes of live heap objects after a collection.
func heapHeld() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// countingHandler is a slog.Handler that counts its records and sums their
// "dropped" attribute.
type countingHandler struct {
	mu             sync.Mutex
	lines, dropped int64
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *countingHandler) WithGroup(string) slog.Handler            { return h }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lines++
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "dropped" && a.Value.Kind() == slog.KindUint64 {
			h.dropped += int64(a.Value.Uint64())
		}
		return true
	})
	return nil
}

// TestHalfOpenFlood: KCP-shaped junk from many source ports, each making
// a session that never opens, holds at most MaxHalfOpen half-open sessions
// and memory in proportion to that: the rest are dropped at once, counted,
// and logged at most once a second. More datagrams to each half-open
// session, past the packets its first one brought, add nothing to what it
// holds (its window is small until it opens). Clients of this package
// connect and call during the junk and after it.
func TestHalfOpenFlood(t *testing.T) {
	leakcheck.Check(t)
	const (
		ports       = 1200
		batch       = 50 // below kcp-go's accept backlog of 128
		maxHalfOpen = 32
		// Each port sends a datagram of 31 packets out of order (all that
		// kcp-go's first window takes), then more datagrams of 60 packets
		// each, which would add 1.5 KiB each to a session with the
		// Config's window.
		moreDatagrams = 5
		// perSession bounds what a half-open session holds: kcp-go's
		// session (about 30 KiB, with its rpc goroutine's state) and the
		// 31 packet buffers of 1.5 KiB that its first datagram brought.
		perSession = 96 << 10
		base       = 2 << 20 // the endpoints, the clients, kcp-go's packet pool
	)
	logs := &countingHandler{}
	cfg := testConfig
	cfg.MaxHalfOpen = maxHalfOpen
	cfg.Logger = slog.New(logs)
	tr := kcp.Transport{Config: cfg}
	l, err := tr.Listen(rpctest.Context(t), "udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// The junk sessions stay half-open until the test ends, when they are
	// measured: the rpc layer waits for their OPEN that long.
	serveOn(t, l, rpc.Config{Transport: tr, Network: "udp", HandshakeTimeout: time.Minute})
	to := l.Addr().(*net.UDPAddr)

	cli, err := rpc.NewEndpoint(rpc.Config{Transport: kcp.Transport{Config: testConfig}, Network: "udp"})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	// dialAndCall dials the listener and calls it. The listener reads its
	// socket in order, so once the dial returns the datagrams sent before
	// it have been taken in.
	dialAndCall := func(what string, x int) *rpc.Session {
		t.Helper()
		sess, err := cli.Dial(rpctest.Context(t), l.Addr().String())
		if err != nil {
			t.Fatalf("dial %s: %v", what, err)
		}
		var sum int
		if err := sess.Call(rpctest.Context(t), "/math/add", []int{x, 1}, &sum); err != nil || sum != x+1 {
			t.Fatalf("call %s: %d, %v", what, sum, err)
		}
		return sess
	}

	before := heapHeld()
	goroutines := runtime.NumGoroutine()
	start := time.Now()
	used := map[int]bool{} // source ports: kcp-go keys sessions by address
	var first *rpc.Session
	for sent := 0; sent < ports; {
		var socks []*net.UDPConn
		var convs []uint32
		for len(socks) < batch && sent+len(socks) < ports {
			uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { uc.Close() }) // also when the test fails before closing it below
			if port := uc.LocalAddr().(*net.UDPAddr).Port; used[port] {
				uc.Close()
				continue
			} else {
				used[port] = true
			}
			var b [4]byte
			rand.Read(b[:])
			socks, convs = append(socks, uc), append(convs, binary.LittleEndian.Uint32(b[:]))
		}
		for i, uc := range socks {
			if _, err := uc.WriteToUDP(junkSegments(convs[i], 1, 31), to); err != nil {
				t.Fatal(err)
			}
		}
		sent += len(socks)
		rpctest.WaitFor(t, "the listener to take the batch", func() bool {
			_, seen, _ := kcp.ListenerCounts(l)
			return seen >= uint64(sent)
		})
		// Where a session was dropped, these make new ones, dropped too.
		for i, uc := range socks {
			for k := range moreDatagrams {
				if _, err := uc.WriteToUDP(junkSegments(convs[i], 32+60*k, 91+60*k), to); err != nil {
					t.Fatal(err)
				}
			}
		}
		sess := dialAndCall("during the junk", sent)
		if first == nil {
			first = sess
		} else {
			sess.Close()
		}
		if halfOpen, _, _ := kcp.ListenerCounts(l); halfOpen > maxHalfOpen {
			t.Fatalf("after %d ports: %d half-open sessions, limit %d", sent, halfOpen, maxHalfOpen)
		}
		for _, uc := range socks {
			uc.Close()
		}
	}
	elapsed := time.Since(start)
	halfOpen, seen, dropped := kcp.ListenerCounts(l)
	t.Logf("%d ports in %v: %d sessions seen, %d dropped, %d half-open", ports, elapsed.Round(time.Millisecond), seen, dropped, halfOpen)
	if halfOpen > maxHalfOpen || dropped < ports-maxHalfOpen {
		t.Fatalf("%d half-open, %d dropped: want at most %d half-open, the rest dropped", halfOpen, dropped, maxHalfOpen)
	}
	logs.mu.Lock()
	lines, logged := logs.lines, logs.dropped
	logs.mu.Unlock()
	if lines == 0 || lines > int64(elapsed/time.Second)+1 || logged > int64(dropped) {
		t.Fatalf("%d log lines saying %d dropped, in %v, for %d dropped: want one line a second at most", lines, logged, elapsed, dropped)
	}

	// A dropped session is released once kcp-go's scheduler next visits it,
	// within its update interval (100 ms at most): wait for that. The
	// half-open sessions stay, as the check after the wait says.
	bound := uint64(maxHalfOpen*perSession + base)
	var held uint64
	rpctest.WaitFor(t, "the heap held to come under the bound", func() bool {
		h := heapHeld()
		held = h - min(before, h)
		return held <= bound
	})
	// One goroutine per half-open session (the rpc layer's, waiting for
	// the OPEN), and the clients', some of them still closing.
	extra := runtime.NumGoroutine() - goroutines
	t.Logf("held: %d KiB of heap (bound %d KiB), %d goroutines more", held>>10, bound>>10, extra)
	if halfOpen, _, _ := kcp.ListenerCounts(l); halfOpen != maxHalfOpen {
		t.Fatalf("%d half-open sessions when the heap was measured, want %d", halfOpen, maxHalfOpen)
	}
	if extra > maxHalfOpen+64 {
		t.Fatalf("%d goroutines more than before the junk, for at most %d half-open sessions", extra, maxHalfOpen)
	}

	var sum int
	if err := first.Call(rpctest.Context(t), "/math/add", []int{1, 1}, &sum); err != nil || sum != 2 {
		t.Fatalf("call after the junk on a session dialed during it: %d, %v", sum, err)
	}
	dialAndCall("after the junk", 0)
}

// serveOn serves an rpc endpoint with cfg and a /math/add handler on l
// until the test ends.
func serveOn(t *testing.T, l net.Listener, cfg rpc.Config) *rpc.Endpoint {
	t.Helper()
	ep, err := rpc.NewEndpoint(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = ep.Router().HandleCall("/math/add", rpc.CallFunc(func(_ *rpc.CallCtx, xs *[]int) (int, error) {
		sum := 0
		for _, x := range *xs {
			sum += x
		}
		return sum, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		ep.Serve(l)
	}()
	t.Cleanup(func() {
		ep.Close()
		<-served
	})
	return ep
}

// TestMaxHalfOpenConfig: zero means DefaultMaxHalfOpen, negative no limit,
// and a session that brings its OPEN opens in Accept, whatever the limit.
func TestMaxHalfOpenConfig(t *testing.T) {
	const (
		ports = kcp.DefaultMaxHalfOpen + 8
		batch = 50 // below kcp-go's accept backlog of 128
	)
	for _, tc := range []struct {
		max, want int
	}{{0, kcp.DefaultMaxHalfOpen}, {-1, ports}, {5, 5}} {
		t.Run(fmt.Sprint(tc.max), func(t *testing.T) {
			leakcheck.Check(t)
			cfg := testConfig
			cfg.MaxHalfOpen = tc.max
			tr := kcp.Transport{Config: cfg}
			l, err := tr.Listen(rpctest.Context(t), "udp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			accepted := make(chan net.Conn, 2*ports)
			go func() {
				defer close(accepted)
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					accepted <- c
				}
			}()
			t.Cleanup(func() {
				l.Close()
				for c := range accepted {
					c.Close()
				}
			})
			for i := range ports {
				uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { uc.Close() })
				if _, err := uc.WriteToUDP(junkSegments(uint32(i+1), 1, 1), l.Addr().(*net.UDPAddr)); err != nil {
					t.Fatal(err)
				}
				if sent := i + 1; sent%batch == 0 || sent == ports {
					rpctest.WaitFor(t, "the listener to take the junk", func() bool {
						_, seen, _ := kcp.ListenerCounts(l)
						return seen >= uint64(sent)
					})
				}
			}
			client, err := tr.Dial(rpctest.Context(t), "udp", l.Addr().String())
			if err != nil {
				t.Fatalf("dial past the limit: %v", err)
			}
			defer client.Close()
			halfOpen, _, dropped := kcp.ListenerCounts(l)
			if halfOpen != tc.want || int(dropped) != ports-tc.want {
				t.Errorf("%d half-open, %d dropped; want %d, %d", halfOpen, dropped, tc.want, ports-tc.want)
			}
			l.Close()
			for c := range accepted {
				c.Close()
			}
			if halfOpen, _, _ := kcp.ListenerCounts(l); halfOpen != 0 {
				t.Errorf("%d half-open sessions after they were closed", halfOpen)
			}
		})
	}
}
