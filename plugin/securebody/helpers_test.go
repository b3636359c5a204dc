package securebody_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/plugin/securebody"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/rpc/wire"
	wirehttp "github.com/dmicro-go/dmicro/rpc/wire/http"
)

var (
	keyA = []byte("the first test key, of 32 bytes.")
	keyB = []byte("the other test key, of 32 bytes.")
)

// format is a frame format the tests run over, with what the relay needs
// to find its messages in a byte stream.
type format struct {
	name   string
	format wire.Format
	// split returns the length of the first whole message in buf, 0 when
	// buf holds none yet.
	split func(buf []byte) int
	// isCall and isReply tell a call to method, and a successful reply,
	// apart from the other messages.
	isCall  func(msg []byte, method string) bool
	isReply func(msg []byte) bool
}

var formats = []format{
	{
		name: "tcp", format: nil, split: splitRaw,
		isCall: func(msg []byte, method string) bool {
			return msg[5] == byte(wire.TypeCall) && bytes.Contains(msg, []byte(method))
		},
		isReply: func(msg []byte) bool { return msg[5] == byte(wire.TypeReply) && msg[6]&0x02 == 0 },
	},
	{
		name: "http", format: wirehttp.Format{}, split: splitHTTP,
		isCall:  func(msg []byte, method string) bool { return bytes.HasPrefix(msg, []byte("POST "+method+" ")) },
		isReply: func(msg []byte) bool { return bytes.HasPrefix(msg, []byte("HTTP/1.1 200 ")) },
	},
}

// forEach runs test once per format, as a subtest.
func forEach(t *testing.T, test func(t *testing.T, f format)) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) { test(t, f) })
	}
}

// splitRaw finds a raw frame: a 4-byte big-endian length and that many
// bytes.
func splitRaw(buf []byte) int {
	if len(buf) < 4 {
		return 0
	}
	n := 4 + int(binary.BigEndian.Uint32(buf))
	if len(buf) < n {
		return 0
	}
	return n
}

// splitHTTP finds an HTTP/1.1 message: its header and Content-Length bytes
// of body (a dmicro peer sends no chunked bodies).
func splitHTTP(buf []byte) int {
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 {
		return 0
	}
	n := end + 4
	for line := range strings.SplitSeq(string(buf[:end]), "\r\n") {
		name, value, _ := strings.Cut(line, ":")
		if strings.EqualFold(name, "Content-Length") {
			cl, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil {
				panic("relay: bad Content-Length " + value)
			}
			n += cl
		}
	}
	if len(buf) < n {
		return 0
	}
	return n
}

// The directions of a relay.
const (
	toServer = iota
	toClient
)

// relay passes the connections made to it on to a server, message by
// message, recording every byte and flipping one inside a message it was
// armed for.
type relay struct {
	f      format
	ln     net.Listener
	target string

	mu      sync.Mutex
	seen    [2][]byte
	arm     [2]func([]byte) bool
	flipped int
	accepts int
	conns   []net.Conn

	wg sync.WaitGroup
}

// newRelay starts a relay to target, stopped when the test ends.
func newRelay(t *testing.T, f format, target string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{f: f, ln: ln, target: target}
	r.wg.Add(1)
	go r.accept()
	t.Cleanup(func() {
		ln.Close()
		r.mu.Lock()
		for _, c := range r.conns {
			c.Close()
		}
		r.mu.Unlock()
		r.wg.Wait()
	})
	return r
}

func (r *relay) addr() string { return r.ln.Addr().String() }

func (r *relay) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", r.target)
		if err != nil {
			c.Close()
			continue
		}
		r.mu.Lock()
		r.accepts++
		r.conns = append(r.conns, c, s)
		r.mu.Unlock()
		r.wg.Add(2)
		go r.pipe(toServer, s, c)
		go r.pipe(toClient, c, s)
	}
}

// pipe copies src to dst whole messages at a time.
func (r *relay) pipe(dir int, dst, src net.Conn) {
	defer r.wg.Done()
	defer dst.Close()
	defer src.Close()
	var buf []byte
	chunk := make([]byte, 32<<10)
	for {
		n, err := src.Read(chunk)
		buf = append(buf, chunk[:n]...)
		for {
			k := r.f.split(buf)
			if k == 0 {
				break
			}
			msg := buf[:k]
			r.mu.Lock()
			if match := r.arm[dir]; match != nil && match(msg) {
				// A sealed body is the end of the message and at least
				// 28 bytes: 20 bytes from the end is inside it.
				msg[len(msg)-20] ^= 0x40
				r.arm[dir] = nil
				r.flipped++
			}
			r.seen[dir] = append(r.seen[dir], msg...)
			r.mu.Unlock()
			if _, err := dst.Write(msg); err != nil {
				return
			}
			buf = buf[k:]
		}
		if err != nil {
			return
		}
	}
}

// flipNext arms the relay to flip a byte of the next message in direction
// dir that match accepts.
func (r *relay) flipNext(dir int, match func([]byte) bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.arm[dir] = match
}

// saw reports whether s passed the relay in direction dir.
func (r *relay) saw(dir int, s string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Contains(r.seen[dir], []byte(s))
}

func (r *relay) counts() (flipped, accepts int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.flipped, r.accepts
}

// logs records the messages and attributes an endpoint logs.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) Enabled(context.Context, slog.Level) bool { return true }
func (l *logs) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logs) WithGroup(string) slog.Handler            { return l }

func (l *logs) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.String())
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, b.String())
	return nil
}

// has reports whether a line holds every one of parts.
func (l *logs) has(parts ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
next:
	for _, line := range l.lines {
		for _, p := range parts {
			if !strings.Contains(line, p) {
				continue next
			}
		}
		return true
	}
	return false
}

// server is an endpoint serving the test routes.
type server struct {
	ep     *rpc.Endpoint
	addr   string
	logs   *logs
	pushes chan string
}

// newServer serves the test routes over f with cfg and plugins until the
// test ends:
//
//	/echo/upper       the argument in upper case
//	/secret/upper     the same, behind securebody.Required
//	/note             a push, sent to pushes
//	/secret/note      the same, behind securebody.Required
func newServer(t *testing.T, f format, cfg rpc.Config, plugins ...rpc.Plugin) *server {
	t.Helper()
	s := &server{logs: new(logs), pushes: make(chan string, 16)}
	cfg.Format = f.format
	cfg.Logger = slog.New(s.logs)
	ep, err := rpc.NewEndpoint(cfg, plugins...)
	if err != nil {
		t.Fatal(err)
	}
	s.ep = ep
	upper := rpc.CallFunc(func(_ *rpc.CallCtx, arg *string) (string, error) { return strings.ToUpper(*arg), nil })
	note := rpc.PushFunc(func(_ *rpc.PushCtx, arg *string) error { s.pushes <- *arg; return nil })
	var guard []rpc.Plugin // the group's, unless the endpoint has it
	if !slices.ContainsFunc(plugins, func(p rpc.Plugin) bool { return p.Name() == securebody.Required().Name() }) {
		guard = append(guard, securebody.Required())
	}
	secret, err := ep.Router().Group("/secret", guard...)
	must(t, err)
	must(t, ep.Router().HandleCall("/echo/upper", upper))
	must(t, ep.Router().HandlePush("/note", note))
	must(t, secret.HandleCall("/upper", upper))
	must(t, secret.HandlePush("/note", note))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	s.addr = ln.Addr().String()
	served := make(chan struct{})
	go func() {
		defer close(served)
		ep.Serve(ln)
	}()
	t.Cleanup(func() {
		ep.Close()
		<-served
	})
	return s
}

// newClient dials addr over f from a new endpoint with plugins, closed
// when the test ends.
func newClient(t *testing.T, f format, addr string, cfg rpc.Config, plugins ...rpc.Plugin) *rpc.Session {
	t.Helper()
	cfg.Format = f.format
	ep, err := rpc.NewEndpoint(cfg, plugins...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	s, err := ep.Dial(rpctest.Context(t), addr)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// relayed starts a server and a client with the plugin of keyA over f,
// talking through a relay, and checks the test for leaks.
func relayed(t *testing.T, f format) (*server, *relay, *rpc.Session) {
	t.Helper()
	leakcheck.Check(t)
	p := newPlugin(t, keyA)
	srv := newServer(t, f, rpc.Config{}, p)
	r := newRelay(t, f, srv.addr)
	return srv, r, newClient(t, f, r.addr(), rpc.Config{}, p)
}

// upper calls /echo/upper (or another path) and checks the reply.
func upper(t *testing.T, s *rpc.Session, path, arg string, opts ...rpc.CallOption) {
	t.Helper()
	var got string
	if err := s.Call(rpctest.Context(t), path, arg, &got, opts...); err != nil {
		t.Fatalf("%s(%q): %v", path, arg, err)
	}
	if want := strings.ToUpper(arg); got != want {
		t.Fatalf("%s(%q) = %q, want %q", path, arg, got, want)
	}
}

// wantCode checks that err is a status with code whose message holds part.
func wantCode(t *testing.T, err error, code rpc.Code, part string) {
	t.Helper()
	if rpc.CodeOf(err) != code || !strings.Contains(err.Error(), part) {
		t.Fatalf("err = %v (code %v), want code %v saying %q", err, rpc.CodeOf(err), code, part)
	}
}

func newPlugin(t testing.TB, key []byte) *securebody.Plugin {
	t.Helper()
	p, err := securebody.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
