package rpc_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
	"github.com/dmicro-go/dmicro/transport"
)

// dialFrom opens a raw TCP connection to addr from the loopback address
// src, so that a test can play several peers on one machine.
func dialFrom(t testing.TB, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitClosedByPeer reads c until the server closes it, and fails the test
// if the server sends a frame first (other than the go-away of a refusal).
func waitClosedByPeer(t testing.TB, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(testTimeout))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server did not close %v", c.LocalAddr())
	}
}

// TestDefaultLimits: the zero Config is safe for a server on the internet:
// every deadline and cap has a default.
func TestDefaultLimits(t *testing.T) {
	c := rpc.DefaultConfig()
	if c.ReadTimeout <= 0 || c.FirstFrameTimeout <= 0 || c.HandshakeTimeout <= 0 || c.WriteTimeout <= 0 {
		t.Errorf("a deadline has no default: %+v", c)
	}
	if c.MaxConns <= 0 || c.MaxConnsPerPeer <= 0 || c.MaxHandlers <= 0 || c.MaxMessageSize <= 0 {
		t.Errorf("a cap has no default: %+v", c)
	}
}

// TestSilentAndSlowClientsAreClosed: connections that never complete a
// frame, and frames trickled slower than ReadTimeout allows, are closed,
// while a good client goes on being served. Before, with ReadTimeout 0 by
// default, 700 trickling peers were all still open after 40 s.
func TestSilentAndSlowClientsAreClosed(t *testing.T) {
	p := newPair(t, pairOptions{
		srv: rpc.Config{FirstFrameTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond},
		setup: func(srv *rpc.Endpoint) {
			_, err := srv.Router().RouteCall(new(Math))
			must(t, err)
		},
	})
	ctx := testCtx(t)
	var sum int
	if err := p.sess.Call(ctx, "/math/add", []int{1}, &sum); err != nil { // the good client's first frame
		t.Fatal(err)
	}
	var conns []net.Conn
	for range 10 { // silent: connect and say nothing
		conns = append(conns, dialFrom(t, "127.0.0.1", p.addr))
	}
	stop := make(chan struct{})
	var trickling sync.WaitGroup
	for range 10 { // slow: a frame's first bytes, then one byte at a time
		c := dialFrom(t, "127.0.0.1", p.addr)
		conns = append(conns, c)
		trickling.Add(1)
		go func() {
			defer trickling.Done()
			c.Write([]byte{0, 0, 0, 64}) // a 64-byte frame that never completes
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
				if _, err := c.Write([]byte{1}); err != nil {
					return
				}
			}
		}()
	}
	// A frame started and then left: a raw header claiming 2 GiB, then
	// nothing. It is refused from its length and cut off by ReadTimeout.
	big := dialFrom(t, "127.0.0.1", p.addr)
	big.Write([]byte{0x7f, 0xff, 0xff, 0xff, 1, 0, 0, 0, 1})
	conns = append(conns, big)
	for _, c := range conns {
		waitClosedByPeer(t, c)
	}
	close(stop)
	trickling.Wait()
	waitFor(t, "the server to drop the slow peers' sessions", func() bool { return p.srv.CountSessions() == 1 })
	if err := p.sess.Call(ctx, "/math/add", []int{1, 2}, &sum); err != nil || sum != 3 {
		t.Fatalf("the good client: %d, %v", sum, err)
	}
}

// TestConnectionLimits: connections over MaxConnsPerPeer or MaxConns are
// closed at once with a go-away that says CodeOverloaded; the others and
// other peers are served.
func TestConnectionLimits(t *testing.T) {
	p := newPair(t, pairOptions{
		srv: rpc.Config{MaxConns: 6, MaxConnsPerPeer: 3, FirstFrameTimeout: -1},
		setup: func(srv *rpc.Endpoint) {
			_, err := srv.Router().RouteCall(new(Math))
			must(t, err)
		},
	})
	// The pair's client holds one of 127.0.0.1's places.
	refused := func(c net.Conn) {
		t.Helper()
		c.SetReadDeadline(time.Now().Add(testTimeout))
		fr := raw.Format{}.NewFramer(bufio.NewReader(c), wire.Options{Client: true})
		var m wire.Message
		if err := fr.ReadMessage(&m); err != nil {
			t.Fatalf("a refused connection: %v, want a go-away", err)
		}
		if m.Type != wire.TypeGoAway || rpc.Code(m.Code) != rpc.CodeOverloaded {
			t.Fatalf("a refused connection got %v code %d %q, want a go-away with CodeOverloaded", m.Type, m.Code, m.Error)
		}
		waitClosedByPeer(t, c)
	}
	a1, a2 := dialFrom(t, "127.0.0.1", p.addr), dialFrom(t, "127.0.0.1", p.addr)
	waitFor(t, "the server to count 127.0.0.1's connections", func() bool { return p.srv.CountSessions() == 3 })
	refused(dialFrom(t, "127.0.0.1", p.addr)) // a 4th from 127.0.0.1
	for range 3 {
		dialFrom(t, "127.0.0.2", p.addr)
	}
	waitFor(t, "the server to count 127.0.0.2's connections", func() bool { return p.srv.CountSessions() == 6 })
	refused(dialFrom(t, "127.0.0.3", p.addr)) // a 7th in all
	a1.Close()
	a2.Close()
	waitFor(t, "the closed connections to be uncounted", func() bool { return p.srv.CountSessions() == 4 })
	// There is room again, for 127.0.0.1 and for anyone.
	cli, err := rpc.NewEndpoint(rpc.Config{Transport: transport.Net{LocalAddr: "127.0.0.3"}})
	must(t, err)
	defer cli.Close()
	s, err := cli.Dial(testCtx(t), p.addr)
	must(t, err)
	var sum int
	if err := s.Call(testCtx(t), "/math/add", []int{2, 3}, &sum); err != nil || sum != 5 {
		t.Fatalf("a call once there is room: %d, %v", sum, err)
	}
}

// TestFairShareBetweenPeers: a peer that floods a slow handler from many
// connections is refused once it holds its share, while another peer's
// calls are all served. Before, the other peer was refused CodeOverloaded on
// 59% of its calls.
func TestFairShareBetweenPeers(t *testing.T) {
	release := make(chan struct{})
	p := newPair(t, pairOptions{
		srv: rpc.Config{MaxHandlers: 8, MaxQueuedHandlers: 8},
		setup: func(srv *rpc.Endpoint) {
			_, err := srv.Router().RouteCall(new(Math))
			must(t, err)
			must(t, srv.Router().HandleCall("/slow", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (int, error) {
				select {
				case <-release:
				case <-time.After(20 * time.Millisecond):
				case <-ctx.Context().Done():
				}
				return 0, nil
			})))
		},
	})
	defer close(release)
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	flood, err := rpc.NewEndpoint(rpc.Config{Transport: transport.Net{LocalAddr: "127.0.0.2"}})
	must(t, err)
	defer flood.Close()
	var overloaded atomic.Int64
	var flooders sync.WaitGroup
	for range 10 {
		s, err := flood.Dial(ctx, p.addr)
		must(t, err)
		for range 4 {
			flooders.Add(1)
			go func() {
				defer flooders.Done()
				for ctx.Err() == nil {
					if rpc.CodeOf(s.Call(ctx, "/slow", struct{}{}, nil)) == rpc.CodeOverloaded {
						overloaded.Add(1)
					}
				}
			}()
		}
	}
	waitFor(t, "the flood to be refused", func() bool { return overloaded.Load() > 100 })
	failed := 0
	for i := range 100 {
		var sum int
		if err := p.sess.Call(ctx, "/math/add", []int{i, 1}, &sum); err != nil || sum != i+1 {
			failed++
			t.Logf("call %d: %d, %v", i, sum, err)
		}
	}
	cancel()
	flooders.Wait()
	if failed > 0 {
		t.Fatalf("%d of the quiet peer's 100 calls failed while the other peer flooded", failed)
	}
}

// TestMetadataCaps: a call with more metadata than the caps is not sent,
// and a reply with more is answered CodeTooLarge instead; an incoming
// frame over them is refused by the framer (rpc/wire/wiretest checks
// that it costs no more than a few times its size).
func TestMetadataCaps(t *testing.T) {
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		must(t, srv.Router().HandleCall("/meta", rpc.CallFunc(func(ctx *rpc.CallCtx, n *int) (int, error) {
			for i := range *n {
				ctx.SetReplyMeta(fmt.Sprint("k", i), "v")
			}
			return *n, nil
		})))
	}})
	ctx := testCtx(t)
	var opts []rpc.CallOption
	for i := range wire.DefaultMaxMetadataPairs + 1 {
		opts = append(opts, rpc.WithMeta(fmt.Sprint("k", i), "v"))
	}
	if err := p.sess.Call(ctx, "/meta", 0, nil, opts...); rpc.CodeOf(err) != rpc.CodeTooLarge {
		t.Fatalf("a call with %d metadata pairs: %v, want CodeTooLarge", len(opts), err)
	}
	var n int
	if err := p.sess.Call(ctx, "/meta", wire.DefaultMaxMetadataPairs, &n, opts[:10]...); err != nil || n != wire.DefaultMaxMetadataPairs {
		t.Fatalf("a reply at the cap: %d, %v", n, err)
	}
	if err := p.sess.Call(ctx, "/meta", wire.DefaultMaxMetadataPairs+1, &n); rpc.CodeOf(err) != rpc.CodeTooLarge {
		t.Fatalf("a reply over the cap: %v, want CodeTooLarge", err)
	}
}

// TestHugeFrameClaimIsAnsweredAndClosed: a raw call header that claims
// 2 GiB and is followed by nothing gets its CodeTooLarge answer at once,
// and the connection is closed: a frame that far over the limit is not
// waited for. Before, it got neither an answer nor a close.
func TestHugeFrameClaimIsAnsweredAndClosed(t *testing.T) {
	p := newPair(t, pairOptions{})
	c := dialFrom(t, "127.0.0.1", p.addr)
	c.Write([]byte{0x7f, 0xff, 0xff, 0xff, 1, byte(wire.TypeCall), 0, 'j', 0, 0, 0, 9})
	c.SetReadDeadline(time.Now().Add(testTimeout))
	fr := raw.Format{}.NewFramer(bufio.NewReader(c), wire.Options{Client: true})
	var m wire.Message
	if err := fr.ReadMessage(&m); err != nil {
		t.Fatalf("no answer to a 2 GiB claim: %v", err)
	}
	if m.Type != wire.TypeReply || m.Seq != 9 || rpc.Code(m.Code) != rpc.CodeTooLarge {
		t.Fatalf("got %v seq %d code %d, want the reply of seq 9 with CodeTooLarge", m.Type, m.Seq, m.Code)
	}
	waitClosedByPeer(t, c)
}
