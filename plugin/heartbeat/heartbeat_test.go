package heartbeat_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/plugin/heartbeat"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/rpc/wire"
)

// An idle session stays open far longer than Misses intervals: pings keep
// it alive. One Heartbeat serves both endpoints. Over the formats plain
// clients speak, the server does not ping the client; the client's pings
// keep the session alive alone.
func TestIdleSessionStaysOpen(t *testing.T) {
	forEachFormat(t, func(t *testing.T, f format) {
		leakcheck.Check(t)
		hb := heartbeat.New(heartbeat.Config{Interval: interval, Misses: 8})
		sp, cp := new(probe), new(probe)
		_, addr := serve(t, f, rpc.Config{}, "", hb, sp)
		cli := client(t, f, rpc.Config{}, hb, cp)
		s := dial(t, cli, addr)

		// Each side pings at most once per Interval (and a client once
		// more as it connects), so 30 pings take at least 14 intervals,
		// well past the 8 that close a session nothing keeps alive.
		rpctest.WaitFor(t, "30 pings", func() bool { return sp.pings.Load()+cp.pings.Load() >= 30 })
		if all, _ := cp.lost(); all != 0 {
			t.Errorf("the client lost %d connections", all)
		}
		if all, _ := sp.lost(); all != 0 {
			t.Errorf("the server lost %d connections", all)
		}
		if n := cp.dials.Load(); n != 1 {
			t.Errorf("the client dialed %d times, want 1", n)
		}
		if n := cp.pings.Load(); f.plain && n != 0 {
			t.Errorf("an endpoint serving %s pinged an accepted session %d times", f.name, n)
		}
		add(t, s)
	})
}

// With the plugin on one side only, that side's pings keep the session
// alive: the peer answers them "not found". The exception is a server of a
// format that plain clients speak: it does not ping, and closes the
// silent session.
func TestOneSided(t *testing.T) {
	cfg := heartbeat.Config{Interval: interval, Misses: 8}
	forEachFormat(t, func(t *testing.T, f format) {
		t.Run("server", func(t *testing.T) {
			leakcheck.Check(t)
			sp, cp := new(probe), new(probe)
			_, addr := serve(t, f, rpc.Config{}, "", heartbeat.New(cfg), sp)
			s := dial(t, client(t, f, rpc.Config{}, cp), addr)
			if f.plain {
				rpctest.WaitFor(t, "the silent client's session closed", func() bool { _, silent := sp.lost(); return silent == 1 })
				<-s.Done()
				if n := cp.pings.Load(); n != 0 {
					t.Errorf("the server pinged a client of a plain format %d times", n)
				}
				return
			}
			// The server pings at most once per Interval: 12 pings take 12.
			rpctest.WaitFor(t, "12 pings from the server", func() bool { return cp.pings.Load() >= 12 })
			if all, _ := sp.lost(); all != 0 {
				t.Errorf("the server lost %d connections", all)
			}
			add(t, s)
		})
		t.Run("client", func(t *testing.T) {
			leakcheck.Check(t)
			sp, cp := new(probe), new(probe)
			_, addr := serve(t, f, rpc.Config{}, "", sp)
			s := dial(t, client(t, f, rpc.Config{}, heartbeat.New(cfg), cp), addr)
			rpctest.WaitFor(t, "12 pings from the client", func() bool { return sp.pings.Load() >= 12 })
			if all, _ := cp.lost(); all != 0 {
				t.Errorf("the client lost %d connections", all)
			}
			add(t, s)
		})
	})
}

// A session busy with calls sends (almost) no pings: real traffic counts.
func TestBusySessionSkipsPings(t *testing.T) {
	forEachFormat(t, func(t *testing.T, f format) {
		leakcheck.Check(t)
		cfg := heartbeat.Config{Interval: interval, Misses: 8}
		sp, cp := new(probe), new(probe)
		_, addr := serve(t, f, rpc.Config{}, "", heartbeat.New(cfg), sp)
		s := dial(t, client(t, f, rpc.Config{}, heartbeat.New(cfg), cp), addr)
		rpctest.WaitFor(t, "the client's first ping", func() bool { return sp.pings.Load() >= 1 })
		add(t, s)

		// Idle, 20 intervals would bring 20 pings or more. A ping needs a
		// whole Interval in which a side received nothing; only a stall of
		// the machine makes one.
		before := sp.pings.Load() + cp.pings.Load()
		calls := 0
		for start := time.Now(); time.Since(start) < 20*interval; calls++ {
			add(t, s)
		}
		if n := sp.pings.Load() + cp.pings.Load() - before; n > 4 {
			t.Errorf("%d pings during %d back-to-back calls over 20 intervals, want at most 4", n, calls)
		}
	})
}

// A peer that accepts the connection and then neither reads nor writes is
// found out: the call in flight fails, the connection is closed, and the
// session redials by its policy. Once a real server is back on the
// address, calls work and the heartbeat goes on on the new connection.
func TestSilentServer(t *testing.T) {
	cfg := heartbeat.Config{Interval: interval, Misses: 4}
	policy := rpc.RedialPolicy{Attempts: -1, MinDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond}
	forEachFormat(t, func(t *testing.T, f format) {
		leakcheck.Check(t)
		mute := listenMute(t)
		cp := new(probe)
		cli := client(t, f, rpc.Config{Redial: policy}, heartbeat.New(cfg), cp)
		s := dial(t, cli, mute.addr())

		var sum int
		err := s.Call(rpctest.Context(t), "/math/add", []int{1}, &sum)
		if !errors.Is(err, heartbeat.ErrSilent) || rpc.CodeOf(err) != rpc.CodeConnClosed {
			t.Fatalf("call to a silent peer: %v; want connection closed by the heartbeat", err)
		}
		rpctest.WaitFor(t, "closed and redialed twice", func() bool {
			_, silent := cp.lost()
			return silent >= 2 && mute.accepted.Load() >= 3
		})
		select {
		case <-s.Done():
			t.Fatalf("the session closed: %v", s.Err())
		default:
		}

		addr := mute.addr()
		mute.close()
		sp := new(probe)
		serve(t, f, rpc.Config{}, addr, heartbeat.New(cfg), sp)
		// A call may still go to a connection that the mute listener's
		// backlog took and its close reset: retry until the new server
		// answers.
		rpctest.WaitFor(t, "a call answered by the new server", func() bool {
			return s.Call(rpctest.Context(t), "/math/add", []int{1}, &sum, rpc.WithWaitForReady()) == nil
		})
		lost, _ := cp.lost()
		// Each side pings at most once per Interval, and the client once
		// more as it connects: 12 pings take at least 5 intervals, past
		// the 4 that close a session nothing keeps alive.
		rpctest.WaitFor(t, "12 pings on the new connection", func() bool { return sp.pings.Load()+cp.pings.Load() >= 12 })
		if now, _ := cp.lost(); now != lost {
			t.Errorf("the client lost %d more connections after it reconnected", now-lost)
		}
		add(t, s)
	})
}

// A client that sent a frame and then neither reads nor writes is closed
// by the server, for good. The server pinged it first, except over the
// formats that plain clients speak.
func TestSilentClient(t *testing.T) {
	forEachFormat(t, func(t *testing.T, f format) {
		leakcheck.Check(t)
		sp := new(probe)
		srv, addr := serve(t, f, rpc.Config{}, "", heartbeat.New(heartbeat.Config{Interval: interval, Misses: 3}), sp)
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		frame, err := f.wire().NewFramer(bufio.NewReader(c), wire.Options{Client: true}).
			AppendMessage(nil, &wire.Message{Type: wire.TypePush, Seq: 1, Method: "/hello"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(frame); err != nil {
			t.Fatal(err)
		}
		ss := session(t, srv)
		rpctest.WaitFor(t, "the silent client's session closed", func() bool { _, silent := sp.lost(); return silent == 1 })
		<-ss.Done()
		if !errors.Is(ss.Err(), heartbeat.ErrSilent) {
			t.Errorf("the session's Err is %v, want one wrapping ErrSilent", ss.Err())
		}

		// Everything the server sent, up to its close.
		c.SetReadDeadline(time.Now().Add(rpctest.Timeout))
		got, err := io.ReadAll(c)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("the server did not close the connection")
		}
		if pinged := bytes.Contains(got, []byte(heartbeat.DefaultPath)); pinged == f.plain {
			t.Errorf("the server pinged: %v; want %v. It sent:\n%q", pinged, !f.plain, got)
		}
	})
}

// A dialed session pings at once, so a client that says nothing else is
// not closed by the server's FirstFrameTimeout, even with an Interval
// longer than it.
func TestFirstPingBeatsFirstFrameTimeout(t *testing.T) {
	forEachFormat(t, func(t *testing.T, f format) {
		leakcheck.Check(t)
		_, addr := serve(t, f, rpc.Config{FirstFrameTimeout: 500 * time.Millisecond}, "")
		with := dial(t, client(t, f, rpc.Config{}, heartbeat.New(heartbeat.Config{Interval: time.Hour})), addr)
		without := dial(t, client(t, f, rpc.Config{}), addr)
		select {
		case <-without.Done():
		case <-rpctest.Context(t).Done():
			t.Fatal("the server did not close the client that said nothing")
		}
		select {
		case <-with.Done():
			t.Fatalf("the server closed the client that pinged: %v", with.Err())
		default:
		}
		add(t, with)
	})
}
