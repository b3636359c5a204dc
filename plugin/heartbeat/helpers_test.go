package heartbeat_test

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/plugin/heartbeat"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/rpc/wire"
	wirehttp "github.com/dmicro-go/dmicro/rpc/wire/http"
	"github.com/dmicro-go/dmicro/rpc/wire/json"
	"github.com/dmicro-go/dmicro/rpc/wire/jsonrpc"
	"github.com/dmicro-go/dmicro/rpc/wire/pb"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// interval is the Interval of the tests: short, so that tests take a few
// of them, and long enough that a loaded machine rarely stalls that long.
const interval = 50 * time.Millisecond

// format is a frame format to run a test over. plain marks the formats
// that plain clients speak, whose accepted sessions the plugin does not
// ping.
type format struct {
	name  string
	f     wire.Format // nil: raw
	plain bool
}

var formats = []format{
	{name: "raw"},
	{name: "json", f: json.Format{}},
	{name: "pb", f: pb.Format{}},
	{name: "http", f: wirehttp.Format{}, plain: true},
	{name: "jsonrpc", f: jsonrpc.Format{}, plain: true},
}

// forEachFormat runs test once per format.
func forEachFormat(t *testing.T, test func(t *testing.T, f format)) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) { test(t, f) })
	}
}

// wire returns the format, raw for nil.
func (f format) wire() wire.Format {
	if f.f == nil {
		return raw.Format{}
	}
	return f.f
}

// probe is a plugin that counts what tests look at: the pings a side
// receives, its dials, and the errors its connections ended with.
type probe struct {
	pings atomic.Int64
	dials atomic.Int64

	mu     sync.Mutex
	losses []error
}

func (*probe) Name() string { return "probe" }

func (p *probe) AfterReadCallHeader(m *rpc.Message) error {
	if m.ServiceMethod() == heartbeat.DefaultPath {
		p.pings.Add(1)
	}
	return nil
}

func (p *probe) AfterDial(*rpc.Session, bool) error {
	p.dials.Add(1)
	return nil
}

func (p *probe) AfterDisconnect(_ *rpc.Session, err error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.losses = append(p.losses, err)
	return nil
}

// lost returns the number of connections ended, and of those the
// heartbeat closed.
func (p *probe) lost() (all, silent int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, err := range p.losses {
		if errors.Is(err, heartbeat.ErrSilent) {
			silent++
		}
	}
	return len(p.losses), silent
}

// serve makes an endpoint with cfg over f, the rpctest services on it,
// served on addr (127.0.0.1:0 when empty) until the test ends.
func serve(t testing.TB, f format, cfg rpc.Config, addr string, plugins ...rpc.Plugin) (*rpc.Endpoint, string) {
	t.Helper()
	cfg.Format = f.f
	cfg.ListenAddr = addr
	if addr == "" {
		cfg.ListenAddr = rpctest.Loopback(t)
	}
	ep, err := rpc.NewEndpoint(cfg, plugins...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ep.Router().RouteCall(new(rpctest.Math)); err != nil {
		t.Fatal(err)
	}
	l, err := ep.Listen(rpctest.Context(t))
	if err != nil {
		ep.Close()
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
	return ep, l.Addr().String()
}

// client makes an endpoint with cfg over f, closed when the test ends.
func client(t testing.TB, f format, cfg rpc.Config, plugins ...rpc.Plugin) *rpc.Endpoint {
	t.Helper()
	cfg.Format = f.f
	ep, err := rpc.NewEndpoint(cfg, plugins...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	return ep
}

func dial(t testing.TB, ep *rpc.Endpoint, addr string) *rpc.Session {
	t.Helper()
	s, err := ep.Dial(rpctest.Context(t), addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	return s
}

// add calls /math/add on s and checks the sum.
func add(t *testing.T, s *rpc.Session, opts ...rpc.CallOption) {
	t.Helper()
	var sum int
	if err := s.Call(rpctest.Context(t), "/math/add", []int{1, 2, 3}, &sum, opts...); err != nil || sum != 6 {
		t.Fatalf("call: %d, %v", sum, err)
	}
}

// session returns ep's only session once it has one.
func session(t *testing.T, ep *rpc.Endpoint) *rpc.Session {
	t.Helper()
	var got *rpc.Session
	rpctest.WaitFor(t, "a session", func() bool {
		ep.RangeSessions(func(s *rpc.Session) bool { got = s; return false })
		return got != nil
	})
	return got
}

// muteListener accepts connections and never reads or writes on them,
// as a peer that hangs. It counts them, and closes them (and itself) when
// the test ends or on close.
type muteListener struct {
	l        net.Listener
	accepted atomic.Int64
	done     chan struct{}

	mu    sync.Mutex
	conns []net.Conn
}

func listenMute(t *testing.T) *muteListener {
	t.Helper()
	l, err := net.Listen("tcp", rpctest.Loopback(t))
	if err != nil {
		t.Fatal(err)
	}
	m := &muteListener{l: l, done: make(chan struct{})}
	go func() {
		defer close(m.done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			m.mu.Lock()
			m.conns = append(m.conns, c)
			m.mu.Unlock()
			m.accepted.Add(1)
		}
	}()
	t.Cleanup(m.close)
	return m
}

func (m *muteListener) addr() string { return m.l.Addr().String() }

func (m *muteListener) close() {
	m.l.Close()
	<-m.done
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.conns {
		c.Close()
	}
	m.conns = nil
}
