package rpc_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/filter"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
)

// heapPeak samples the live heap while it runs and reports the highest
// reading above the heap measured (after a GC) when it started.
type heapPeak struct {
	base, peak atomic.Uint64
	stop       chan struct{}
	done       chan struct{}
}

func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startHeapPeak(t testing.TB) *heapPeak {
	runtime.GC()
	h := &heapPeak{stop: make(chan struct{}), done: make(chan struct{})}
	t.Cleanup(func() { h.over() })
	h.base.Store(liveHeap())
	go func() {
		defer close(h.done)
		for {
			if v := liveHeap(); v > h.peak.Load() {
				h.peak.Store(v)
			}
			select {
			case <-h.stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	return h
}

// over stops sampling and returns the peak above the base.
func (h *heapPeak) over() uint64 {
	select {
	case <-h.stop:
	default:
		close(h.stop)
	}
	<-h.done
	if p, b := h.peak.Load(), h.base.Load(); p > b {
		return p - b
	}
	return 0
}

// gzipBomb returns a gzip stream of n zero bytes (a few KiB for MiBs),
// with its size trailer set to claim, when claim >= 0.
func gzipBomb(t testing.TB, n int, claim int) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(make([]byte, n))
	zw.Close()
	out := b.Bytes()
	if claim >= 0 {
		binary.LittleEndian.PutUint32(out[len(out)-4:], uint32(claim))
	}
	return out
}

// TestGzipBombsFromManyPeersStayInBudget: gzip bombs (a few KiB that
// inflate to 8 MiB) sent from many connections at once cost the server
// next to nothing: a body whose trailer declares more than the limit is
// refused before it is inflated, one whose trailer lies is stopped at the
// size it declared, and what legitimate inflation holds at once is bounded
// by Config.MemoryBudget. Before, 4000 such bombs from 32 connections took
// the server's RSS to 490-890 MB, each inflated to the 4 MiB limit first.
func TestGzipBombsFromManyPeersStayInBudget(t *testing.T) {
	const (
		conns    = 16
		perConn  = 20
		limit    = 4 << 20
		budget   = 8 << 20
		bombSize = 8 << 20
	)
	var handled atomic.Int64
	p := newPair(t, pairOptions{
		srv: rpc.Config{Filters: []wire.Filter{filter.Gzip{}}, MemoryBudget: budget},
		setup: func(srv *rpc.Endpoint) {
			must(t, srv.Router().SetUnknownCall(func(c *rpc.CallCtx) (any, error) {
				handled.Add(1)
				return nil, nil
			}))
		},
	})
	honest, liar := gzipBomb(t, bombSize, -1), gzipBomb(t, bombSize, 1000)
	t.Logf("a bomb is %d bytes", len(honest))
	peak := startHeapPeak(t)
	codes := make(map[rpc.Code]int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range conns {
		c := dialFrom(t, "127.0.0.1", p.addr)
		wg.Add(2)
		go func() { // the replies
			defer wg.Done()
			fr := raw.Format{}.NewFramer(bufio.NewReader(c), wire.Options{Client: true})
			for range perConn {
				var m wire.Message
				if err := fr.ReadMessage(&m); err != nil {
					t.Errorf("conn %d: %v", i, err)
					return
				}
				mu.Lock()
				codes[rpc.Code(m.Code)]++
				mu.Unlock()
			}
		}()
		go func() { // the bombs
			defer wg.Done()
			fr := raw.Format{}.NewFramer(bufio.NewReader(c), wire.Options{Client: true})
			var buf []byte
			for j := range perConn {
				body := honest
				if j%2 == 1 {
					body = liar
				}
				m := wire.Message{Type: wire.TypeCall, Seq: uint32(j + 1), Method: "/bomb", Codec: 's', Filters: []byte{'z'}, Body: body}
				buf, _ = fr.AppendMessage(buf[:0], &m)
				if _, err := c.Write(buf); err != nil {
					t.Errorf("conn %d: %v", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	over := peak.over()
	t.Logf("replies by code: %v; the live heap peaked %d KiB above its start", codes, over>>10)
	if handled.Load() != 0 {
		t.Errorf("%d bombs reached the handler", handled.Load())
	}
	if n := codes[rpc.CodeTooLarge]; n != conns*perConn {
		t.Errorf("%d of %d bombs answered CodeTooLarge", n, conns*perConn)
	}
	// 320 bombs of 8 MiB each: inflating even one at a time would pass
	// the limit, 4 MiB, per bomb.
	if over > limit+budget {
		t.Errorf("the live heap grew %d MiB during the attack; the bound is %d MiB", over>>20, (limit+budget)>>20)
	}
	var sum int
	if err := p.sess.Call(testCtx(t), "/x", nil, &sum); err != nil {
		t.Fatalf("a good call after the bombs: %v", err)
	}
}

// TestBudgetBoundsInflation: honest gzip bodies that each inflate within
// the limit are inflated at once only as far as Config.MemoryBudget
// allows; the others are answered CodeOverloaded and nothing else fails.
func TestBudgetBoundsInflation(t *testing.T) {
	const budget = 3 << 20
	release := make(chan struct{})
	var started atomic.Int64
	p := newPair(t, pairOptions{
		srv: rpc.Config{Filters: []wire.Filter{filter.Gzip{}}, MemoryBudget: budget, MaxSessionHandlers: 100},
		cli: rpc.Config{Filters: []wire.Filter{filter.Gzip{}}},
		setup: func(srv *rpc.Endpoint) {
			must(t, srv.Router().SetUnknownCall(func(c *rpc.CallCtx) (any, error) {
				started.Add(1)
				<-release // hold the inflated body
				return len(c.RawBody()), nil
			}))
		},
	})
	body := rpc.Raw{Codec: 's', Data: make([]byte, 1<<20)} // 1 MiB inflated, ~1 KiB on the wire
	ctx := testCtx(t)
	calls := make([]*rpc.Call, 8)
	for i := range calls {
		calls[i] = p.sess.AsyncCall(ctx, "/hold", body, new(int), rpc.WithFilters("gzip"))
	}
	var refused int
	waitFor(t, "the calls over the budget to be refused, the others to start", func() bool {
		refused = 0
		for _, c := range calls {
			select {
			case <-c.Done():
				refused++
			default:
			}
		}
		return int64(refused)+started.Load() == int64(len(calls))
	})
	close(release)
	ok := 0
	for _, c := range calls {
		switch err := c.Err(); {
		case err == nil:
			ok++
		case rpc.CodeOf(err) != rpc.CodeOverloaded:
			t.Errorf("a call failed with %v, want success or CodeOverloaded", err)
		}
	}
	t.Logf("%d held at once, %d refused", ok, len(calls)-ok)
	if ok == 0 || ok > budget/(1<<20) {
		t.Errorf("%d bodies of 1 MiB inflated at once under a %d MiB budget", ok, budget>>20)
	}
}

// TestMalformedFramesCannotFloodTheLog: 20 000 malformed frames produce a
// handful of log lines a second, not one each. Before, 20 448 lines.
func TestMalformedFramesCannotFloodTheLog(t *testing.T) {
	const n = 20000
	p := newPair(t, pairOptions{})
	c := dialFrom(t, "127.0.0.1", p.addr)
	// A call whose flags set a reserved bit: read whole, answered with
	// CodeBadMessage, and the connection goes on.
	var all []byte
	for i := range n {
		all = append(all, 0, 0, 0, 9, 1, byte(wire.TypeCall), 0x80, 0)
		all = binary.BigEndian.AppendUint32(all, uint32(i+1))
		all = append(all, 0)
	}
	start := time.Now()
	go c.Write(all)
	fr := raw.Format{}.NewFramer(bufio.NewReader(c), wire.Options{Client: true})
	c.SetReadDeadline(time.Now().Add(testTimeout))
	for i := range n {
		var m wire.Message
		if err := fr.ReadMessage(&m); err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		if rpc.Code(m.Code) != rpc.CodeBadMessage {
			t.Fatalf("reply %d: code %d, want CodeBadMessage", i, m.Code)
		}
	}
	elapsed := time.Since(start)
	lines := p.srvLog.Count("rpc: bad frame")
	bound := 10 * (int(elapsed/time.Second) + 2) // 10 a second, and the partial seconds at each end
	t.Logf("%d bad-frame lines for %d bad frames in %v", lines, n, elapsed)
	if lines > bound {
		t.Fatalf("%d log lines for %d bad frames in %v; the bound is %d", lines, n, elapsed, bound)
	}
}
