package securebody_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/plugin/securebody"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/filter"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// TestSealedOnTheWire checks that a flagged call and its reply, and a
// flagged push, cross the wire sealed, and that the same without the flag
// cross in the clear.
func TestSealedOnTheWire(t *testing.T) {
	forEach(t, func(t *testing.T, f format) {
		srv, r, s := relayed(t, f)
		ctx := rpctest.Context(t)

		upper(t, s, "/echo/upper", "sealed call marker", securebody.On())
		upper(t, s, "/echo/upper", "true flag marker", rpc.WithMeta(securebody.MetaKey, "true"))
		must(t, s.Push(ctx, "/note", "sealed push marker", securebody.On()))
		if got := <-srv.pushes; got != "sealed push marker" {
			t.Fatalf("push handler got %q", got)
		}
		for _, m := range []string{"sealed call marker", "true flag marker", "sealed push marker"} {
			if r.saw(toServer, m) {
				t.Errorf("the request %q crossed the wire in the clear", m)
			}
			if r.saw(toClient, strings.ToUpper(m)) {
				t.Errorf("the reply %q crossed the wire in the clear", strings.ToUpper(m))
			}
		}

		upper(t, s, "/echo/upper", "clear call marker")
		upper(t, s, "/echo/upper", "flag off marker", rpc.WithMeta(securebody.MetaKey, "0"))
		must(t, s.Push(ctx, "/note", "clear push marker"))
		if got := <-srv.pushes; got != "clear push marker" {
			t.Fatalf("push handler got %q", got)
		}
		for _, m := range []string{"clear call marker", "flag off marker"} {
			if !r.saw(toServer, m) || !r.saw(toClient, strings.ToUpper(m)) {
				t.Errorf("the call %q and its reply should cross in the clear", m)
			}
		}
		if !r.saw(toServer, "clear push marker") {
			t.Error("the push without the flag should cross in the clear")
		}
	})
}

// TestTampered flips a byte inside the sealed body of a call on its way
// to the server, and of a reply on its way to the client: the caller gets
// CodeBadMessage, not garbage, and the session serves the next calls on
// the same connection.
func TestTampered(t *testing.T) {
	forEach(t, func(t *testing.T, f format) {
		tests := []struct {
			name  string
			dir   int
			match func([]byte) bool
		}{
			{"call", toServer, func(msg []byte) bool { return f.isCall(msg, "/echo/upper") }},
			{"reply", toClient, f.isReply},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, r, s := relayed(t, f)
				r.flipNext(tt.dir, tt.match)
				var got string
				err := s.Call(rpctest.Context(t), "/echo/upper", "tamper with me", &got, securebody.On())
				wantCode(t, err, rpc.CodeBadMessage, "integrity")
				if got != "" {
					t.Fatalf("the tampered call returned %q", got)
				}
				upper(t, s, "/echo/upper", "after the tampered one", securebody.On())
				upper(t, s, "/echo/upper", "and in the clear")
				if flipped, accepts := r.counts(); flipped != 1 || accepts != 1 {
					t.Fatalf("relay flipped %d messages on %d connections, want 1 on 1", flipped, accepts)
				}
			})
		}
	})
}

// TestWrongKey: a server with another key cannot open the call, and says
// so with a status; the session goes on.
func TestWrongKey(t *testing.T) {
	forEach(t, func(t *testing.T, f format) {
		leakcheck.Check(t)
		srv := newServer(t, f, rpc.Config{}, newPlugin(t, keyB))
		s := newClient(t, f, srv.addr, rpc.Config{}, newPlugin(t, keyA))
		err := s.Call(rpctest.Context(t), "/echo/upper", "x", new(string), securebody.On())
		wantCode(t, err, rpc.CodeBadMessage, "integrity")
		upper(t, s, "/echo/upper", "in the clear")
	})
}

// TestServerWithoutPlugin: a server that does not know the sealing filter
// refuses a sealed call by its unknown filter id.
func TestServerWithoutPlugin(t *testing.T) {
	forEach(t, func(t *testing.T, f format) {
		leakcheck.Check(t)
		srv := newServer(t, f, rpc.Config{})
		s := newClient(t, f, srv.addr, rpc.Config{}, newPlugin(t, keyA))
		err := s.Call(rpctest.Context(t), "/echo/upper", "x", new(string), securebody.On())
		wantCode(t, err, rpc.CodeBadMessage, fmt.Sprintf("unknown transfer filter id %d", securebody.FilterID))
		upper(t, s, "/echo/upper", "in the clear")
	})
}

// TestRequired checks the routes behind securebody.Required: sealed calls
// and pushes pass, clear ones are refused with CodeUnauthorized (a push is
// dropped), and an empty-bodied one is refused before it is sent.
func TestRequired(t *testing.T) {
	forEach(t, func(t *testing.T, f format) {
		leakcheck.Check(t)
		p := newPlugin(t, keyA)
		srv := newServer(t, f, rpc.Config{}, p)
		s := newClient(t, f, srv.addr, rpc.Config{}, p)
		ctx := rpctest.Context(t)

		upper(t, s, "/secret/upper", "sealed", securebody.On())
		upper(t, s, "/secret/upper", "sealed by name", rpc.WithFilters(securebody.FilterName))
		err := s.Call(ctx, "/secret/upper", "clear", new(string))
		wantCode(t, err, rpc.CodeUnauthorized, "/secret/upper takes only sealed bodies")

		// A clear push is dropped with a log line; the sealed one is handled.
		must(t, s.Push(ctx, "/secret/note", "clear"))
		rpctest.WaitFor(t, "the clear push refused", func() bool {
			return srv.logs.has("rpc: refused", "method=/secret/note", "code=unauthorized")
		})
		must(t, s.Push(ctx, "/secret/note", "sealed", securebody.On()))
		if got := <-srv.pushes; got != "sealed" {
			t.Fatalf("push handler got %q, want only the sealed push", got)
		}
	})
}

// TestRequiredEverywhere gives Required to the endpoint: every route wants
// sealed bodies.
func TestRequiredEverywhere(t *testing.T) {
	leakcheck.Check(t)
	f := formats[0]
	p := newPlugin(t, keyA)
	srv := newServer(t, f, rpc.Config{}, p, securebody.Required())
	s := newClient(t, f, srv.addr, rpc.Config{}, p)
	upper(t, s, "/echo/upper", "sealed", securebody.On())
	err := s.Call(rpctest.Context(t), "/echo/upper", "clear", new(string))
	wantCode(t, err, rpc.CodeUnauthorized, "sent in the clear")
}

// TestNotSealable: a flagged call whose body is empty is refused before
// it is sent, since its reply would come back in the clear.
func TestNotSealable(t *testing.T) {
	forEach(t, func(t *testing.T, f format) {
		_, r, s := relayed(t, f)
		ctx := rpctest.Context(t)
		upper(t, s, "/echo/upper", "before") // connected
		tests := []struct {
			name string
			arg  any
			opts []rpc.CallOption
		}{
			{"nil", nil, nil},
			{"empty raw", rpc.Raw{Codec: 's'}, nil},
			{"empty plain string", "", []rpc.CallOption{rpc.WithCodec("plain")}},
		}
		for _, tt := range tests {
			err := s.Call(ctx, "/echo/empty", tt.arg, nil, append(tt.opts, securebody.On())...)
			wantCode(t, err, rpc.CodeInvalidArgument, "empty body")
			if !errors.Is(err, securebody.ErrNotSealed) {
				t.Errorf("%s: %v does not wrap ErrNotSealed", tt.name, err)
			}
			err = s.Push(ctx, "/echo/empty", tt.arg, append(tt.opts, securebody.On())...)
			wantCode(t, err, rpc.CodeInvalidArgument, "empty body")
		}
		if r.saw(toServer, "/echo/empty") {
			t.Fatal("a call that could not be sealed was sent")
		}
	})
}

// TestBadFlag: a flag that is not a boolean fails the call; it is not sent
// in the clear.
func TestBadFlag(t *testing.T) {
	leakcheck.Check(t)
	f := formats[0]
	p := newPlugin(t, keyA)
	srv := newServer(t, f, rpc.Config{}, p)
	s := newClient(t, f, srv.addr, rpc.Config{}, p)
	err := s.Call(rpctest.Context(t), "/echo/upper", "x", new(string), rpc.WithMeta(securebody.MetaKey, "yes"))
	wantCode(t, err, rpc.CodeInvalidArgument, `secure-body="yes"`)
	if !errors.Is(err, securebody.ErrFlag) {
		t.Fatalf("%v does not wrap ErrFlag", err)
	}
}

// filterLog records the filter ids of the calls a server reads and of
// the replies a client reads.
type filterLog struct {
	mu  sync.Mutex
	ids []string
}

func (*filterLog) Name() string { return "filter-log" }

func (l *filterLog) add(m *rpc.Message) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ids = append(l.ids, string(m.Filters()))
	return nil
}

func (l *filterLog) BeforeReadCallBody(m *rpc.Message) error   { return l.add(m) }
func (l *filterLog) AfterReadReplyHeader(m *rpc.Message) error { return l.add(m) }

func (l *filterLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := l.ids
	l.ids = nil
	return ids
}

// TestDefaultFilters: a sealed call goes through the endpoint's
// DefaultFilters first (gzip, which must come before sealing), whatever
// WithFilters said; a call without the flag keeps WithFilters.
func TestDefaultFilters(t *testing.T) {
	forEach(t, func(t *testing.T, f format) {
		leakcheck.Check(t)
		p := newPlugin(t, keyA)
		gz := filter.Gzip{MinSize: -1}
		cfg := rpc.Config{Filters: []wire.Filter{gz}, DefaultFilters: []string{"gzip"}}
		srvLog, cliLog := new(filterLog), new(filterLog)
		srv := newServer(t, f, cfg, p, srvLog)
		s := newClient(t, f, srv.addr, cfg, p, cliLog)
		long := strings.Repeat("compress me ", 100)

		tests := []struct {
			name string
			opts []rpc.CallOption
			want string
		}{
			{"sealed", []rpc.CallOption{securebody.On()}, "za"},
			{"sealed, WithFilters", []rpc.CallOption{rpc.WithFilters(), securebody.On()}, "za"},
			{"default", nil, "z"},
			{"WithFilters", []rpc.CallOption{rpc.WithFilters(securebody.FilterName)}, "a"},
		}
		for _, tt := range tests {
			upper(t, s, "/echo/upper", long, tt.opts...)
			call, reply := srvLog.take(), cliLog.take()
			if len(call) != 1 || call[0] != tt.want || len(reply) != 1 || reply[0] != tt.want {
				t.Errorf("%s: call filters %q, reply filters %q; want %q both", tt.name, call, reply, tt.want)
			}
		}
	})
}

// TestDefaultFiltersSeal: an endpoint whose DefaultFilters name the
// sealing filter seals every call; the flag changes nothing.
func TestDefaultFiltersSeal(t *testing.T) {
	leakcheck.Check(t)
	f := formats[0]
	p := newPlugin(t, keyA)
	srv := newServer(t, f, rpc.Config{}, p)
	r := newRelay(t, f, srv.addr)
	s := newClient(t, f, r.addr(), rpc.Config{DefaultFilters: []string{securebody.FilterName}}, p)
	upper(t, s, "/secret/upper", "sealed by default")
	upper(t, s, "/secret/upper", "and flagged", securebody.On())
	if r.saw(toServer, "sealed by default") || r.saw(toServer, "and flagged") {
		t.Fatal("a call crossed in the clear")
	}
}

// openOnly is a misbehaving peer's sealing filter: it opens sealed bodies
// but sends its own bodies, replies included, in the clear.
type openOnly struct{ *filter.AESGCM }

func (openOnly) Encode(dst, _ []byte) ([]byte, bool, error) { return dst, false, nil }

// TestClearReplyRefused: a sealed call whose reply comes back in the
// clear fails with CodeBadMessage instead of returning that reply.
func TestClearReplyRefused(t *testing.T) {
	forEach(t, func(t *testing.T, f format) {
		leakcheck.Check(t)
		seal, err := filter.NewAESGCM(keyA)
		must(t, err)
		srv := newServer(t, f, rpc.Config{Filters: []wire.Filter{openOnly{seal}}})
		s := newClient(t, f, srv.addr, rpc.Config{}, newPlugin(t, keyA))
		var got string
		err = s.Call(rpctest.Context(t), "/echo/upper", "x", &got, securebody.On())
		wantCode(t, err, rpc.CodeBadMessage, "the reply to /echo/upper came back in the clear")
		if !errors.Is(err, securebody.ErrNotSealed) || got != "" {
			t.Fatalf("err %v, reply %q; want ErrNotSealed and no reply", err, got)
		}
		upper(t, s, "/echo/upper", "clear calls still work")
	})
}

// TestFilterTaken: an endpoint whose Config.Filters has another filter
// with the sealing filter's id or name is refused; one copied from an
// endpoint of the same plugin is not.
func TestFilterTaken(t *testing.T) {
	leakcheck.Check(t)
	p := newPlugin(t, keyA)
	other, err := filter.NewAESGCM(keyA)
	must(t, err)
	_, err = rpc.NewEndpoint(rpc.Config{Filters: []wire.Filter{other}}, p)
	if !errors.Is(err, securebody.ErrFilterTaken) {
		t.Fatalf("NewEndpoint with another aes-gcm filter: %v, want ErrFilterTaken", err)
	}
	first, err := rpc.NewEndpoint(rpc.Config{}, p)
	must(t, err)
	defer first.Close()
	cfg := first.Config()
	second, err := rpc.NewEndpoint(cfg, p)
	must(t, err)
	defer second.Close()
	if n := len(second.Config().Filters); n != 1 {
		t.Fatalf("the copied config has %d filters, want 1", n)
	}
	// The caller's backing array is never written.
	gz := filter.Gzip{}
	filters := make([]wire.Filter, 1, 2)
	filters[0] = gz
	third, err := rpc.NewEndpoint(rpc.Config{Filters: filters}, p)
	must(t, err)
	defer third.Close()
	if spare := filters[:2][1]; spare != nil {
		t.Fatalf("NewEndpoint wrote %v past the caller's slice", spare)
	}
}

func TestNewKeySizes(t *testing.T) {
	for size := range 40 {
		key := bytes.Repeat([]byte{'k'}, size)
		p, err := securebody.New(key)
		ok := size == 16 || size == 24 || size == 32
		if ok != (err == nil) || ok != (p != nil) {
			t.Fatalf("New(%d bytes) = %v, %v", size, p, err)
		}
		if !ok && (!errors.Is(err, securebody.ErrKey) || !strings.Contains(err.Error(), fmt.Sprint(size, " bytes")) || strings.Contains(err.Error(), "kk")) {
			t.Fatalf("New(%d bytes): %q; want ErrKey naming the length only", size, err)
		}
	}
}

// TestKeyNotPrinted checks that neither fmt nor slog prints the key.
func TestKeyNotPrinted(t *testing.T) {
	p := newPlugin(t, keyA)
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("plugin", "p", p)
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("plugin", "p", p)
	outs := []string{logged.String(), fmt.Sprint(p), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p), fmt.Sprintf("%x", p)}
	for _, out := range outs {
		if strings.Contains(out, string(keyA[:8])) || strings.Contains(out, fmt.Sprintf("%x", keyA[:8])) {
			t.Fatalf("output holds the key: %s", out)
		}
	}
	if want := "securebody(aes-gcm(key redacted, 256-bit))"; fmt.Sprint(p) != want || !strings.Contains(logged.String(), want) {
		t.Fatalf("Sprint = %q, log %q; want %q", fmt.Sprint(p), logged.String(), want)
	}
}
