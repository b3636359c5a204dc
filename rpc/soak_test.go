package rpc_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/filter"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
	"github.com/dmicro-go/dmicro/transport"
)

// soakDuration is how long TestSoak attacks: DMICRO_SOAK (a Go duration;
// make soak sets 30s), else 3 s, 1 s with -short.
func soakDuration(t *testing.T) time.Duration {
	if v := os.Getenv("DMICRO_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("DMICRO_SOAK=%q: %v", v, err)
		}
		return d
	}
	if testing.Short() {
		return time.Second
	}
	return 3 * time.Second
}

// TestSoak attacks one server from several peers at once, in the manner
// of the attacks that found the faults the limits fix: connections that
// trickle frames, gzip bombs, a flood of calls to a slow handler, frames
// heavy with metadata and malformed frames, each from its own loopback
// address. Meanwhile a good client on another address calls without a
// single failure, and the server's live heap stays under its memory
// budget plus what its connections may hold.
func TestSoak(t *testing.T) {
	const (
		budget   = 32 << 20
		maxConns = 200
	)
	d := soakDuration(t)
	p := newPair(t, pairOptions{
		srv: rpc.Config{
			Filters:           []wire.Filter{filter.Gzip{}},
			MemoryBudget:      budget,
			MaxConns:          maxConns,
			MaxConnsPerPeer:   60,
			MaxHandlers:       64,
			MaxQueuedHandlers: 64,
			FirstFrameTimeout: 500 * time.Millisecond,
			ReadTimeout:       500 * time.Millisecond,
		},
		setup: func(srv *rpc.Endpoint) {
			_, err := srv.Router().RouteCall(new(Math))
			must(t, err)
			must(t, srv.Router().HandleCall("/slow", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (int, error) {
				select {
				case <-time.After(20 * time.Millisecond):
				case <-ctx.Context().Done():
				}
				return 0, nil
			})))
		},
	})
	// The good client's first frame, before FirstFrameTimeout, as a client
	// that only listened would have to send (the heartbeat plugin's ping).
	if err := p.sess.Call(testCtx(t), "/math/add", []int{1}, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(testCtx(t), d)
	defer cancel()
	// A flood of calls to a slow handler from 20 sessions.
	flood, err := rpc.NewEndpoint(rpc.Config{Transport: transport.Net{LocalAddr: "127.0.0.7"}})
	must(t, err)
	defer flood.Close()
	var floods []*rpc.Session
	for range 20 {
		s, err := flood.Dial(ctx, p.addr)
		must(t, err)
		// A first frame now, before FirstFrameTimeout, however slow the
		// setup of the rest.
		s.Call(ctx, "/math/add", []int{1}, nil)
		floods = append(floods, s)
	}

	peak := startHeapPeak(t)
	var attackers sync.WaitGroup
	attack := func(src string, f func(src string)) {
		attackers.Add(1)
		go func() {
			defer attackers.Done()
			for ctx.Err() == nil {
				f(src)
			}
		}()
	}
	dial := func(src string) net.Conn {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
		c, err := d.DialContext(ctx, "tcp", p.addr)
		if err != nil {
			return nil
		}
		context.AfterFunc(ctx, func() { c.Close() })
		return c
	}
	// Slow clients: 20 connections at a time that trickle a frame.
	for range 20 {
		attack("127.0.0.2", func(src string) {
			c := dial(src)
			if c == nil {
				return
			}
			defer c.Close()
			c.Write([]byte{0, 0, 0, 200})
			for ctx.Err() == nil {
				if _, err := c.Write([]byte{1}); err != nil {
					return
				}
				select {
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
			}
		})
	}
	// Bombs, metadata-heavy and malformed frames, on raw connections that
	// read their answers.
	frames := [][]byte{
		soakFrame(t, wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/math/add", Codec: 's', Filters: []byte{'z'}, Body: gzipBomb(t, 8<<20, -1)}),
		soakFrame(t, wire.Message{Type: wire.TypeCall, Seq: 2, Method: "/math/add", Codec: 's', Filters: []byte{'z'}, Body: gzipBomb(t, 8<<20, 1<<20)}),
		soakMetaFrame(200000),
		{0, 0, 0, 9, 1, byte(wire.TypeCall), 0x80, 0, 0, 0, 0, 3, 0},
	}
	for i, src := range []string{"127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"} {
		for range 4 {
			attack(src, func(src string) {
				c := dial(src)
				if c == nil {
					return
				}
				defer c.Close()
				go func() { // drain the answers
					br := bufio.NewReader(c)
					for {
						if _, err := br.Discard(4096); err != nil {
							return
						}
					}
				}()
				for ctx.Err() == nil {
					if _, err := c.Write(frames[i]); err != nil {
						return
					}
				}
			})
		}
	}
	for _, s := range floods {
		for range 8 {
			attack("", func(string) {
				if rpc.CodeOf(s.Call(ctx, "/slow", struct{}{}, nil)) == rpc.CodeConnClosed {
					<-ctx.Done() // the session is gone: no busy loop
				}
			})
		}
	}

	// The good client, on 127.0.0.1.
	var calls, failed atomic.Int64
	for ctx.Err() == nil {
		cctx, ccancel := context.WithTimeout(testCtx(t), 10*time.Second)
		var sum int
		err := p.sess.Call(cctx, "/math/add", []int{1, 2}, &sum)
		ccancel()
		calls.Add(1)
		if err != nil || sum != 3 {
			failed.Add(1)
			t.Errorf("the good client's call %d: %d, %v", calls.Load(), sum, err)
		}
	}
	cancel()
	attackers.Wait()
	over := peak.over()
	// The budget, and for each connection its read buffer (32 KiB), its
	// write queue and the frame being read, at most 64 KiB at these sizes,
	// and room for the garbage collector's lag (GOGC doubles the heap).
	bound := uint64(2 * (budget + maxConns*64<<10))
	t.Logf("%v of attack: the good client made %d calls, %d failed; the live heap peaked %d MiB above its start (bound %d MiB)",
		d, calls.Load(), failed.Load(), over>>20, bound>>20)
	if over > bound {
		t.Errorf("the live heap grew %d MiB, over the bound of %d MiB", over>>20, bound>>20)
	}
}

// soakFrame encodes m as a raw frame.
func soakFrame(t testing.TB, m wire.Message) []byte {
	b, err := raw.Format{}.NewFramer(bufio.NewReader(nil), wire.Options{Client: true}).AppendMessage(nil, &m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// soakMetaFrame returns a raw call frame carrying n empty metadata pairs:
// about 2 bytes on the wire for each pair, and before the metadata caps
// some 32 bytes of heap for each once decoded.
func soakMetaFrame(n int) []byte {
	b := []byte{0, 0, 0, 0, 1, byte(wire.TypeCall), 0x04, 0, 0, 0, 0, 4, 0}
	b = binary.AppendUvarint(b, uint64(n))
	for range n {
		b = append(b, 0, 0)
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}
