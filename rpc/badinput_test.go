package rpc_test

// Bad input: oversized, truncated, garbled and otherwise unusable frames sent
// to a real server over loopback TCP, most of them hand-crafted byte by byte
// after rpc/wire/raw/FORMAT.md on a raw net.Conn. Each test checks what the
// sender gets back, the one log line the endpoint writes about it, and that
// the server keeps serving. newPair checks for leaked goroutines and fds.

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
)

// Frame header constants, from FORMAT.md.
const (
	biVersion     = 0x01
	biTypeCall    = 0x01
	biFlagMeta    = 0x04
	biCodecJSON   = 'j'
	biHandledLine = `msg="rpc: handled"` // the LogCalls line of a handled call
	biBadFrame    = `msg="rpc: bad frame"`
	biPanicLine   = `msg="rpc: handler panicked"`
)

// biRoutes registers the handlers the bad-input tests call.
func biRoutes(t testing.TB) func(srv *rpc.Endpoint) {
	return func(srv *rpc.Endpoint) {
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(srv.Router().HandleCall("/bi/sum", rpc.CallFunc(func(_ *rpc.CallCtx, arg *[]int) (int, error) {
			n := 0
			for _, v := range *arg {
				n += v
			}
			return n, nil
		})))
		must(srv.Router().HandleCall("/bi/echo", rpc.CallFunc(func(_ *rpc.CallCtx, arg *string) (string, error) {
			return *arg, nil
		})))
		// /bi/big answers with a string of *arg bytes.
		must(srv.Router().HandleCall("/bi/big", rpc.CallFunc(func(_ *rpc.CallCtx, arg *int) (string, error) {
			return strings.Repeat("x", *arg), nil
		})))
		must(srv.Router().HandleCall("/bi/panic", rpc.CallFunc(func(_ *rpc.CallCtx, arg *string) (string, error) {
			panic("bi-boom: " + *arg)
		})))
	}
}

// biPair starts a pair with the bad-input routes.
func biPair(t testing.TB, srv, cli rpc.Config, srvPlug ...rpc.Plugin) *pair {
	t.Helper()
	return newPair(t, pairOptions{srv: srv, cli: cli, srvPlug: srvPlug, setup: biRoutes(t)})
}

// biServes checks that the server still answers a normal call on the pair's
// session and on a freshly dialed one.
func biServes(t testing.TB, p *pair) {
	t.Helper()
	ctx := testCtx(t)
	var sum int
	if err := p.sess.Call(ctx, "/bi/sum", []int{1, 2, 3}, &sum); err != nil || sum != 6 {
		t.Fatalf("normal call on the first session: sum %d, err %v", sum, err)
	}
	s, err := p.cli.Dial(ctx, p.addr)
	if err != nil {
		t.Fatalf("dial a fresh session: %v", err)
	}
	sum = 0
	err = s.Call(ctx, "/bi/sum", []int{4, 5}, &sum)
	local := s.LocalAddr()
	s.Close()
	if err != nil || sum != 9 {
		t.Fatalf("normal call on a fresh session: sum %d, err %v", sum, err)
	}
	biWaitPeer(t, p, local, false)
}

// biWantCode fails the test unless err is a *rpc.Status with code want.
func biWantCode(t testing.TB, what string, err error, want rpc.Code) *rpc.Status {
	t.Helper()
	var st *rpc.Status
	if !errors.As(err, &st) {
		t.Fatalf("%s: got %v (%T), want a *rpc.Status with code %v", what, err, err, want)
	}
	if got := rpc.CodeOf(err); got != want {
		t.Fatalf("%s: code %v (%v), want %v", what, got, err, want)
	}
	return st
}

// biLogOnce waits until the log has at least one line with all the
// substrings, then requires exactly one.
func biLogOnce(t testing.TB, lb *logBuffer, subs ...string) {
	t.Helper()
	n := func() int {
		c := 0
		for _, line := range strings.Split(lb.String(), "\n") {
			ok := true
			for _, s := range subs {
				ok = ok && strings.Contains(line, s)
			}
			if ok {
				c++
			}
		}
		return c
	}
	waitFor(t, fmt.Sprintf("a log line with %q", subs), func() bool { return n() > 0 })
	if c := n(); c != 1 {
		t.Fatalf("%d log lines with %q, want 1; log:\n%s", c, subs, lb.String())
	}
}

// biFrame lays out a raw frame by hand: the length field (8 + len(rest)),
// the fixed header, then rest (method, optional parts, body).
func biFrame(version, typ, flags, codec byte, seq uint32, rest []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(rest)))
	b = append(b, version, typ, flags, codec)
	b = binary.BigEndian.AppendUint32(b, seq)
	return append(b, rest...)
}

// biStr is a uvarint length followed by the bytes of s.
func biStr(s string) []byte {
	return append(binary.AppendUvarint(nil, uint64(len(s))), s...)
}

// biCall is a valid hand-made call frame with a JSON body and no flags.
func biCall(seq uint32, method, body string) []byte {
	return biFrame(biVersion, biTypeCall, 0, biCodecJSON, seq, append(biStr(method), body...))
}

// biRaw is a raw TCP connection to the server that speaks frames by hand.
type biRaw struct {
	nc net.Conn
	fr wire.Framer
}

// biDialRaw connects to addr. The deadline is only a guard so that a broken
// server fails the test instead of hanging it; a passing test never reaches it.
func biDialRaw(addr string) (*biRaw, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	nc.SetDeadline(time.Now().Add(testTimeout))
	return &biRaw{nc: nc, fr: raw.Format{}.NewFramer(bufio.NewReader(nc), wire.Options{})}, nil
}

func biMustDialRaw(t testing.TB, addr string) *biRaw {
	t.Helper()
	r, err := biDialRaw(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.nc.Close() })
	return r
}

func (r *biRaw) read() (*wire.Message, error) {
	m := new(wire.Message)
	if err := r.fr.ReadMessage(m); err != nil {
		return nil, err
	}
	return m, nil
}

// readReply reads the next frame and checks that it is a reply to seq with
// code want (0: success); it returns the reply.
func (r *biRaw) readReply(seq uint32, want rpc.Code) (*wire.Message, error) {
	m, err := r.read()
	if err != nil {
		return nil, fmt.Errorf("read the reply to seq %d: %w", seq, err)
	}
	if m.Type != wire.TypeReply || m.Seq != seq || rpc.Code(m.Code) != want {
		return m, fmt.Errorf("got %v seq %d code %v (%q), want REPLY seq %d code %v", m.Type, m.Seq, rpc.Code(m.Code), m.Error, seq, want)
	}
	return m, nil
}

// sum sends a valid /bi/sum call of [1,2,3] and checks the reply "6": the
// connection is still in step.
func (r *biRaw) sum(seq uint32) error {
	if _, err := r.nc.Write(biCall(seq, "/bi/sum", "[1,2,3]")); err != nil {
		return err
	}
	m, err := r.readReply(seq, 0)
	if err != nil {
		return err
	}
	if string(m.Body) != "6" || m.Codec != biCodecJSON {
		return fmt.Errorf("reply body %q codec %q, want \"6\" 'j'", m.Body, m.Codec)
	}
	return nil
}

// goAwayThenEOF reads a GOAWAY carrying code want, then the end of the stream.
func (r *biRaw) goAwayThenEOF(want rpc.Code) error {
	m, err := r.read()
	if err != nil {
		return fmt.Errorf("read the go-away: %w", err)
	}
	if m.Type != wire.TypeGoAway || rpc.Code(m.Code) != want {
		return fmt.Errorf("got %v code %v (%q), want GOAWAY code %v", m.Type, rpc.Code(m.Code), m.Error, want)
	}
	if m2, err := r.read(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("after the go-away: got %v, %v; want io.EOF", m2, err)
	}
	return nil
}

func biNoErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// biSessions waits until the server has n sessions left.
func biSessions(t testing.TB, p *pair, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("the server to have %d session(s)", n), func() bool { return p.srv.CountSessions() == n })
}

// biHasPeer reports whether the server has a session whose peer is addr.
func biHasPeer(p *pair, addr string) bool {
	found := false
	p.srv.RangeSessions(func(s *rpc.Session) bool {
		if a := s.RemoteAddr(); a != nil && a.String() == addr {
			found = true
		}
		return !found
	})
	return found
}

// biWaitPeer waits until the server has (present) or no longer has a
// session for the client end at addr.
func biWaitPeer(t testing.TB, p *pair, addr net.Addr, present bool) {
	t.Helper()
	what := "the server to drop the session of " + addr.String()
	if present {
		what = "the server to accept " + addr.String()
	}
	waitFor(t, what, func() bool { return biHasPeer(p, addr.String()) == present })
}

// biCallCounter counts the call headers an endpoint reads.
type biCallCounter struct{ n atomic.Int64 }

func (*biCallCounter) Name() string { return "bi-call-counter" }

func (c *biCallCounter) AfterReadCallHeader(*rpc.Message) error {
	c.n.Add(1)
	return nil
}

// 1. Oversized frames.

func TestBadInputOversized(t *testing.T) {
	big := strings.Repeat("y", 2000) // its frame is over 1024 bytes

	t.Run("over the client's limit fails locally", func(t *testing.T) {
		calls := new(biCallCounter)
		p := biPair(t, rpc.Config{}, rpc.Config{MaxMessageSize: 1024}, calls)
		ctx := testCtx(t)
		var echo string
		err := p.sess.Call(ctx, "/bi/echo", big, &echo)
		biWantCode(t, "call over the client's limit", err, rpc.CodeTooLarge)
		// Nothing was sent: the server read exactly one call header, the
		// normal call's, which comes after.
		if err := p.sess.Call(ctx, "/bi/echo", "small", &echo); err != nil || echo != "small" {
			t.Fatalf("normal call after the local refusal: %q, %v", echo, err)
		}
		if n := calls.n.Load(); n != 1 {
			t.Fatalf("the server read %d call headers, want 1 (the oversized call must not be sent)", n)
		}
		if n := p.srvLog.Count(biBadFrame); n != 0 {
			t.Fatalf("the server logged %d bad frames, want 0", n)
		}
		biServes(t, p)
	})

	t.Run("over the server's limit is answered", func(t *testing.T) {
		p := biPair(t, rpc.Config{MaxMessageSize: 1024}, rpc.Config{})
		ctx := testCtx(t)
		var echo string
		err := p.sess.Call(ctx, "/bi/echo", big, &echo)
		biWantCode(t, "call over the server's limit", err, rpc.CodeTooLarge)
		biLogOnce(t, p.srvLog, biBadFrame, "message too large")
		// The same session goes on: the server skipped the frame and stayed in step.
		if err := p.sess.Call(ctx, "/bi/echo", "small", &echo); err != nil || echo != "small" {
			t.Fatalf("normal call on the same session: %q, %v", echo, err)
		}
		biServes(t, p)
	})

	t.Run("a length of 1 GiB is not allocated", func(t *testing.T) {
		p := biPair(t, rpc.Config{MaxMessageSize: 1024}, rpc.Config{})
		p.serverSession(t)
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)

		r := biMustDialRaw(t, p.addr)
		biWaitPeer(t, p, r.nc.LocalAddr(), true)
		// The length claims 1 GiB; only the 8 header bytes follow.
		frame := binary.BigEndian.AppendUint32(nil, 1<<30)
		frame = append(frame, biVersion, biTypeCall, 0, biCodecJSON, 0, 0, 0, 7)
		if _, err := r.nc.Write(frame); err != nil {
			t.Fatal(err)
		}
		r.nc.Close()
		// Once the server ended the connection, it has done all it will do
		// with the frame.
		biWaitPeer(t, p, r.nc.LocalAddr(), false)

		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		const most = 64 << 20
		if d := after.TotalAlloc - before.TotalAlloc; d > most {
			t.Fatalf("the process allocated %d MiB while the server refused a 1 GiB frame, want < %d MiB", d>>20, most>>20)
		}
		if after.HeapAlloc > before.HeapAlloc && after.HeapAlloc-before.HeapAlloc > most {
			t.Fatalf("the heap grew by %d MiB, want < %d MiB", (after.HeapAlloc-before.HeapAlloc)>>20, most>>20)
		}
		biServes(t, p)
	})

	t.Run("a reply over the server's limit", func(t *testing.T) {
		p := biPair(t, rpc.Config{MaxMessageSize: 1024, LogCalls: true}, rpc.Config{})
		ctx := testCtx(t)
		var s string
		err := p.sess.Call(ctx, "/bi/big", 4000, &s)
		biWantCode(t, "reply over the server's limit", err, rpc.CodeTooLarge)
		biLogOnce(t, p.srvLog, biHandledLine, "method=/bi/big", `code="message too large"`)
		if err := p.sess.Call(ctx, "/bi/big", 10, &s); err != nil || s != strings.Repeat("x", 10) {
			t.Fatalf("normal call on the same session: %q, %v", s, err)
		}
		biServes(t, p)
	})

	t.Run("a reply over the client's limit", func(t *testing.T) {
		cliLog := &logBuffer{}
		cli := rpc.Config{MaxMessageSize: 1024, Logger: slog.New(slog.NewTextHandler(cliLog, &slog.HandlerOptions{Level: slog.LevelDebug}))}
		p := biPair(t, rpc.Config{}, cli)
		ctx := testCtx(t)
		var s string
		err := p.sess.Call(ctx, "/bi/big", 4000, &s)
		biWantCode(t, "reply over the client's limit", err, rpc.CodeTooLarge)
		biLogOnce(t, cliLog, biBadFrame, "message too large", "REPLY")
		// The client skipped the reply and stayed in step.
		if err := p.sess.Call(ctx, "/bi/big", 10, &s); err != nil || s != strings.Repeat("x", 10) {
			t.Fatalf("normal call on the same session: %q, %v", s, err)
		}
		biServes(t, p)
	})
}

// 2. Truncated frames: the stream ends inside a frame.

func TestBadInputTruncated(t *testing.T) {
	p := biPair(t, rpc.Config{}, rpc.Config{})
	p.serverSession(t)
	for _, cut := range []int{2, 4, 10, 20} {
		t.Run(fmt.Sprint("cut at ", cut), func(t *testing.T) {
			frame := biCall(1, "/bi/sum", "[1,2,3,4,5,6,7,8,9]")
			r := biMustDialRaw(t, p.addr)
			biWaitPeer(t, p, r.nc.LocalAddr(), true)
			if _, err := r.nc.Write(frame[:cut]); err != nil {
				t.Fatal(err)
			}
			r.nc.Close()
			biWaitPeer(t, p, r.nc.LocalAddr(), false)
			if n := p.srvLog.Count(biBadFrame); n != 0 {
				t.Fatalf("a truncated stream is a broken connection, not a bad frame; got %d bad-frame lines", n)
			}
			biServes(t, p)
		})
	}
}

// TestBadInputBrokenStreamLogged: a connection that ends inside a frame (a
// truncated frame, or a refused oversized frame whose rest never comes) is
// torn down with CodeConnClosed "read: unexpected EOF"; the server should
// log one line about it, as it does for every other bad input.
func TestBadInputBrokenStreamLogged(t *testing.T) {
	t.Run("truncated", func(t *testing.T) {
		p := biPair(t, rpc.Config{}, rpc.Config{})
		p.serverSession(t)
		r := biMustDialRaw(t, p.addr)
		biWaitPeer(t, p, r.nc.LocalAddr(), true)
		frame := biCall(1, "/bi/sum", "[1,2,3]")
		if _, err := r.nc.Write(frame[:len(frame)/2]); err != nil {
			t.Fatal(err)
		}
		r.nc.Close()
		biWaitPeer(t, p, r.nc.LocalAddr(), false)
		if n := p.srvLog.Count("unexpected EOF"); n != 1 {
			t.Errorf("the server logged %d lines about a connection that ended inside a frame, want 1; log:\n%s", n, p.srvLog.String())
		}
	})
	t.Run("oversized then EOF", func(t *testing.T) {
		p := biPair(t, rpc.Config{MaxMessageSize: 1024}, rpc.Config{})
		p.serverSession(t)
		r := biMustDialRaw(t, p.addr)
		biWaitPeer(t, p, r.nc.LocalAddr(), true)
		frame := binary.BigEndian.AppendUint32(nil, 1<<30)
		frame = append(frame, biVersion, biTypeCall, 0, biCodecJSON, 0, 0, 0, 7)
		if _, err := r.nc.Write(frame); err != nil {
			t.Fatal(err)
		}
		r.nc.Close()
		biWaitPeer(t, p, r.nc.LocalAddr(), false)
		// A frame this far over the limit is refused at once, and the
		// server closes the connection after the answer: whether the
		// peer's end (an unexpected EOF) or the server's own close comes
		// first is a race, but the refusal is logged once.
		if n := p.srvLog.Count("rpc: bad frame"); n != 1 {
			t.Errorf("the server logged %d lines about a refused 1 GiB frame, want 1; log:\n%s", n, p.srvLog.String())
		}
		if n := p.srvLog.Count("unexpected EOF"); n > 1 {
			t.Errorf("the server logged %d lines about the connection's end, want at most 1; log:\n%s", n, p.srvLog.String())
		}
	})
}

// 3. Garbled frames.

func TestBadInputGarbledCall(t *testing.T) {
	p := biPair(t, rpc.Config{}, rpc.Config{})
	cases := []struct {
		name  string
		frame []byte
		log   string
	}{
		{"unknown flag bits", biFrame(biVersion, biTypeCall, 0x10, biCodecJSON, 41, append(biStr("/bi/sum"), "[1]"...)), "unknown flag bits"},
		{"metadata length past the end", biFrame(biVersion, biTypeCall, biFlagMeta, biCodecJSON, 42,
			append(append(biStr("/bi/sum"), 1, 50), "abc"...)), "metadata pair 0 key length 50 runs past the end"},
		{"method length past the end", biFrame(biVersion, biTypeCall, 0, biCodecJSON, 43, []byte{0x7f, '/', 'b'}), "method length 127 runs past the end"},
		{"zero timeout", biFrame(biVersion, biTypeCall, 0x01, biCodecJSON, 44, append(biStr("/bi/sum"), 0)), "zero timeout"},
		{"status with code 0", biFrame(biVersion, biTypeCall, 0x02, biCodecJSON, 45, append(biStr("/bi/sum"), 0, 0)), "zero status code"},
		{"zero filter count", biFrame(biVersion, biTypeCall, 0x08, biCodecJSON, 46, append(biStr("/bi/sum"), 0)), "zero filter count"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := biMustDialRaw(t, p.addr)
			// A valid call first, so the bad frame is in the middle of the stream.
			biNoErr(t, r.sum(1))
			if _, err := r.nc.Write(tc.frame); err != nil {
				t.Fatal(err)
			}
			seq := binary.BigEndian.Uint32(tc.frame[8:12])
			m, err := r.readReply(seq, rpc.CodeBadMessage)
			biNoErr(t, err)
			if len(m.Body) != 0 || !strings.Contains(m.Error, "malformed") {
				t.Fatalf("error reply body %q message %q, want no body and a message about the malformed frame", m.Body, m.Error)
			}
			biLogOnce(t, p.srvLog, biBadFrame, tc.log)
			// The connection is still in step.
			biNoErr(t, r.sum(2))
			biServes(t, p)
		})
	}
}

func TestBadInputUntrustedHeader(t *testing.T) {
	p := biPair(t, rpc.Config{}, rpc.Config{})
	p.serverSession(t)
	cases := []struct {
		name  string
		frame []byte
		log   string
	}{
		{"version 2", biFrame(2, biTypeCall, 0, biCodecJSON, 1, append(biStr("/bi/sum"), "[1]"...)), "unsupported version 2"},
		{"version 0", biFrame(0, biTypeCall, 0, 0, 1, biStr("")), "unsupported version 0"},
		{"length 3", []byte{0, 0, 0, 3, biVersion, biTypeCall, 0}, "frame length 3 is below the minimum"},
		{"length 0", []byte{0, 0, 0, 0}, "frame length 0 is below the minimum"},
		{"length 8", biFrame(biVersion, biTypeCall, 0, 0, 1, nil), "frame length 8 is below the minimum"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := p.srvLog.Count(biBadFrame)
			r := biMustDialRaw(t, p.addr)
			biNoErr(t, r.sum(1))
			if _, err := r.nc.Write(tc.frame); err != nil {
				t.Fatal(err)
			}
			biNoErr(t, r.goAwayThenEOF(rpc.CodeBadMessage))
			biLogOnce(t, p.srvLog, biBadFrame, tc.log)
			if n := p.srvLog.Count(biBadFrame); n != before+1 {
				t.Fatalf("%d new bad-frame lines, want 1", n-before)
			}
			biWaitPeer(t, p, r.nc.LocalAddr(), false)
			biServes(t, p)
		})
	}
}

// 4. An unknown codec id in an otherwise valid call.

func TestBadInputUnknownCodec(t *testing.T) {
	p := biPair(t, rpc.Config{LogCalls: true}, rpc.Config{})

	t.Run("raw frame", func(t *testing.T) {
		r := biMustDialRaw(t, p.addr)
		if _, err := r.nc.Write(biFrame(biVersion, biTypeCall, 0, 'z', 9, append(biStr("/bi/sum"), "[1,2]"...))); err != nil {
			t.Fatal(err)
		}
		m, err := r.readReply(9, rpc.CodeCodec)
		biNoErr(t, err)
		if !strings.Contains(m.Error, "codec") {
			t.Fatalf("message %q does not mention the codec", m.Error)
		}
		biLogOnce(t, p.srvLog, biHandledLine, `code="codec error"`, "method=/bi/sum")
		biNoErr(t, r.sum(10))
	})

	t.Run("rpc.Raw through the client", func(t *testing.T) {
		before := p.srvLog.Count(`code="codec error"`)
		var sum int
		err := p.sess.Call(testCtx(t), "/bi/sum", rpc.Raw{Codec: 'z', Data: []byte("[1,2]")}, &sum)
		biWantCode(t, "unknown codec", err, rpc.CodeCodec)
		waitFor(t, "the codec error to be logged", func() bool { return p.srvLog.Count(`code="codec error"`) == before+1 })
		biServes(t, p)
	})
}

// 5. An unknown method.

func TestBadInputUnknownMethod(t *testing.T) {
	p := biPair(t, rpc.Config{LogCalls: true}, rpc.Config{})
	var out int
	err := p.sess.Call(testCtx(t), "/bi/no_such_method", []int{1}, &out)
	st := biWantCode(t, "unknown method", err, rpc.CodeNotFound)
	if !strings.Contains(st.Message(), "/bi/no_such_method") {
		t.Fatalf("message %q does not name the method", st.Message())
	}
	biLogOnce(t, p.srvLog, biHandledLine, `code="not found"`, "/bi/no_such_method")
	biServes(t, p)
}

// 6. A body that does not decode into the handler's argument.

func TestBadInputUndecodableBody(t *testing.T) {
	p := biPair(t, rpc.Config{LogCalls: true}, rpc.Config{})
	for i, body := range []string{"{", `{"a":1}`, `["x"]`} {
		t.Run(body, func(t *testing.T) {
			before := p.srvLog.Count(`code="codec error"`)
			r := biMustDialRaw(t, p.addr)
			seq := uint32(100 + i)
			if _, err := r.nc.Write(biCall(seq, "/bi/sum", body)); err != nil {
				t.Fatal(err)
			}
			m, err := r.readReply(seq, rpc.CodeCodec)
			biNoErr(t, err)
			if !strings.Contains(m.Error, "json") {
				t.Fatalf("message %q does not name the codec", m.Error)
			}
			waitFor(t, "the codec error to be logged", func() bool { return p.srvLog.Count(`code="codec error"`) > before })
			if n := p.srvLog.Count(`code="codec error"`); n != before+1 {
				t.Fatalf("%d new codec-error lines, want 1", n-before)
			}
			biNoErr(t, r.sum(seq+1000))
			biServes(t, p)
		})
	}
}

// 7. A handler that panics.

func TestBadInputHandlerPanic(t *testing.T) {
	p := biPair(t, rpc.Config{}, rpc.Config{})
	ctx := testCtx(t)
	var out string
	err := p.sess.Call(ctx, "/bi/panic", "value-7f3a", &out)
	st := biWantCode(t, "panicking handler", err, rpc.CodePanic)
	// The panic's text stays on the server: it may hold anything. The
	// caller gets an id that the server's log line carries.
	if strings.Contains(st.Message(), "bi-boom") || strings.Contains(st.Message(), "value-7f3a") {
		t.Fatalf("message %q carries the panic's text to the caller", st.Message())
	}
	i := strings.Index(st.Message(), "panic_id ")
	if i < 0 {
		t.Fatalf("message %q names no panic_id", st.Message())
	}
	id := st.Message()[i+len("panic_id "):]
	biLogOnce(t, p.srvLog, biPanicLine, "bi-boom: value-7f3a")
	biLogOnce(t, p.srvLog, biPanicLine, "panic_id="+id)
	if err := p.sess.Call(ctx, "/bi/echo", "after", &out); err != nil || out != "after" {
		t.Fatalf("call after the panic: %q, %v", out, err)
	}
	biServes(t, p)
	if n := p.srvLog.Count(biPanicLine); n != 1 {
		t.Fatalf("%d panic lines, want 1", n)
	}
}

// 8. An unknown message type in a well-delimited frame: FORMAT.md and
// read.go treat the header as untrusted and end the connection with a
// GOAWAY that carries CodeBadMessage.

func TestBadInputUnknownType(t *testing.T) {
	p := biPair(t, rpc.Config{}, rpc.Config{})
	p.serverSession(t)
	for _, typ := range []byte{0, 7, 9, 0xff} {
		t.Run(fmt.Sprint("type ", typ), func(t *testing.T) {
			before := p.srvLog.Count(biBadFrame)
			r := biMustDialRaw(t, p.addr)
			biNoErr(t, r.sum(1))
			if _, err := r.nc.Write(biFrame(biVersion, typ, 0, biCodecJSON, 2, append(biStr("/bi/sum"), "[1]"...))); err != nil {
				t.Fatal(err)
			}
			biNoErr(t, r.goAwayThenEOF(rpc.CodeBadMessage))
			waitFor(t, "the bad frame to be logged", func() bool { return p.srvLog.Count(biBadFrame) > before })
			if n := p.srvLog.Count(biBadFrame); n != before+1 {
				t.Fatalf("%d new bad-frame lines, want 1", n-before)
			}
			if n := p.srvLog.Count(fmt.Sprintf("invalid message type %d", typ)); n != 1 {
				t.Fatalf("%d lines naming the invalid type %d, want 1", n, typ)
			}
			biWaitPeer(t, p, r.nc.LocalAddr(), false)
			biServes(t, p)
		})
	}
}

// A mix of bad inputs from several raw connections at once, while a proper
// client makes normal calls: every normal call succeeds.

func TestBadInputAbuseWhileServing(t *testing.T) {
	p := biPair(t, rpc.Config{MaxMessageSize: 4096}, rpc.Config{})
	p.serverSession(t)
	ctx := testCtx(t)

	big := strings.Repeat("z", 5000)
	oversized := biCall(5, "/bi/echo", `"`+big+`"`)
	abuses := []struct {
		name string
		run  func(r *biRaw) error
	}{
		{"oversized call", func(r *biRaw) error {
			if _, err := r.nc.Write(oversized); err != nil {
				return err
			}
			if _, err := r.readReply(5, rpc.CodeTooLarge); err != nil {
				return err
			}
			return r.sum(6)
		}},
		{"unknown flags", func(r *biRaw) error {
			if _, err := r.nc.Write(biFrame(biVersion, biTypeCall, 0x40, biCodecJSON, 7, biStr("/bi/sum"))); err != nil {
				return err
			}
			if _, err := r.readReply(7, rpc.CodeBadMessage); err != nil {
				return err
			}
			return r.sum(8)
		}},
		{"unknown codec", func(r *biRaw) error {
			if _, err := r.nc.Write(biFrame(biVersion, biTypeCall, 0, 'z', 9, append(biStr("/bi/sum"), "[1]"...))); err != nil {
				return err
			}
			if _, err := r.readReply(9, rpc.CodeCodec); err != nil {
				return err
			}
			return r.sum(10)
		}},
		{"undecodable body", func(r *biRaw) error {
			if _, err := r.nc.Write(biCall(11, "/bi/sum", "{")); err != nil {
				return err
			}
			if _, err := r.readReply(11, rpc.CodeCodec); err != nil {
				return err
			}
			return r.sum(12)
		}},
		{"unknown method", func(r *biRaw) error {
			if _, err := r.nc.Write(biCall(13, "/bi/nope", "1")); err != nil {
				return err
			}
			_, err := r.readReply(13, rpc.CodeNotFound)
			return err
		}},
		{"panic", func(r *biRaw) error {
			if _, err := r.nc.Write(biCall(14, "/bi/panic", `"abuse"`)); err != nil {
				return err
			}
			_, err := r.readReply(14, rpc.CodePanic)
			return err
		}},
		{"bad version", func(r *biRaw) error {
			if _, err := r.nc.Write(biFrame(3, biTypeCall, 0, 0, 15, biStr(""))); err != nil {
				return err
			}
			return r.goAwayThenEOF(rpc.CodeBadMessage)
		}},
		{"unknown type", func(r *biRaw) error {
			if _, err := r.nc.Write(biFrame(biVersion, 9, 0, 0, 16, biStr(""))); err != nil {
				return err
			}
			return r.goAwayThenEOF(rpc.CodeBadMessage)
		}},
		{"truncated", func(r *biRaw) error {
			f := biCall(17, "/bi/sum", "[1,2,3]")
			_, err := r.nc.Write(f[:len(f)-3])
			return err
		}},
		{"1 GiB length", func(r *biRaw) error {
			f := binary.BigEndian.AppendUint32(nil, 1<<30)
			_, err := r.nc.Write(append(f, biVersion, biTypeCall, 0, 0, 0, 0, 0, 18))
			return err
		}},
		{"garbage bytes", func(r *biRaw) error {
			_, err := r.nc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
			return err
		}},
	}

	const rounds = 3
	var wg sync.WaitGroup
	for _, a := range abuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				r, err := biDialRaw(p.addr)
				if err != nil {
					t.Errorf("%s: dial: %v", a.name, err)
					return
				}
				err = a.run(r)
				r.nc.Close()
				if err != nil {
					t.Errorf("%s, round %d: %v", a.name, i, err)
					return
				}
			}
		}()
	}

	const callers, calls = 4, 25
	var failed atomic.Int64
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				var sum int
				if err := p.sess.Call(ctx, "/bi/sum", []int{c, i, 1}, &sum); err != nil || sum != c+i+1 {
					failed.Add(1)
					t.Errorf("normal call %d/%d: sum %d, err %v", c, i, sum, err)
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d of %d normal calls failed under abuse", n, callers*calls)
	}
	biSessions(t, p, 1)
	biServes(t, p)
}
