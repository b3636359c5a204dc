package mdns

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/internal/dnsmsg"
	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/internal/netnstest"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newLinked returns a registry on the test namespace's loopback.
func newLinked(t *testing.T, host string) *Registry {
	t.Helper()
	r, err := NewRegistry(Config{Interfaces: []string{"lo"}, Host: host, Logger: quiet, BrowseWait: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func greeter(id, addr string) discovery.Service {
	return discovery.Service{
		Name:     "greeter",
		Version:  "1.2",
		Metadata: map[string]string{"team": "core"},
		Nodes:    []discovery.Node{{ID: id, Address: addr, Weight: 3, Metadata: map[string]string{"zone": "a"}}},
	}
}

// next returns the next event on ch.
func next(t *testing.T, ch <-chan discovery.Event) discovery.Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed")
		}
		return ev
	case <-time.After(rpctest.Timeout):
		t.Fatal("no event")
	}
	return discovery.Event{}
}

func TestPublishAndBrowse(t *testing.T) {
	needLink(t)
	leakcheck.Check(t)
	ctx := rpctest.Context(t)
	pub, brw := newLinked(t, "pub"), newLinked(t, "brw")
	events, err := brw.Watch(ctx, discovery.WatchFilter{Service: "greeter"})
	if err != nil {
		t.Fatal(err)
	}
	svc := greeter("node.1", "127.0.0.1:8080")
	if err := pub.Register(ctx, svc, discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	ev := next(t, events)
	if ev.Type != discovery.EventAdd || ev.Node().ID != "node.1" || ev.Node().Address != "127.0.0.1:8080" {
		t.Fatalf("event %v %+v, want add of node.1 at 127.0.0.1:8080", ev.Type, ev.Service)
	}
	got, err := brw.GetService(ctx, "greeter")
	if err != nil {
		t.Fatal(err)
	}
	want := []discovery.Service{svc}
	if len(got) != 1 || got[0].Version != "1.2" || got[0].Metadata["team"] != "core" || len(got[0].Nodes) != 1 ||
		got[0].Nodes[0].Weight != 3 || got[0].Nodes[0].Metadata["zone"] != "a" {
		t.Fatalf("GetService = %+v, want %+v", got, want)
	}
	all, err := brw.ListServices(ctx)
	if err != nil || len(all) != 1 || all[0].Name != "greeter" {
		t.Fatalf("ListServices = %+v, %v", all, err)
	}

	// A second node, with an address taken from the interface.
	if err := pub.Register(ctx, greeter("node-2", ":9090"), discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	ev = next(t, events)
	if ev.Type != discovery.EventAdd || ev.Node().Address != "127.0.0.1:9090" {
		t.Fatalf("event %v %+v, want add of node-2 at 127.0.0.1:9090", ev.Type, ev.Service)
	}

	if err := pub.Deregister(ctx, svc); err != nil {
		t.Fatal(err)
	}
	ev = next(t, events)
	if ev.Type != discovery.EventRemove || ev.Node().ID != "node.1" {
		t.Fatalf("event %v %+v, want remove of node.1", ev.Type, ev.Service)
	}
	// Close says goodbye for the rest.
	pub.Close()
	ev = next(t, events)
	if ev.Type != discovery.EventRemove || ev.Node().ID != "node-2" {
		t.Fatalf("event %v %+v, want remove of node-2", ev.Type, ev.Service)
	}
	if _, err := brw.GetService(ctx, "greeter"); !errors.Is(err, discovery.ErrNotFound) {
		t.Fatalf("GetService after goodbyes: %v, want ErrNotFound", err)
	}
}

// published returns a registry on the link that has published node n1
// of greeter at addr.
func published(t *testing.T, addr string) (context.Context, *Registry) {
	t.Helper()
	needLink(t)
	leakcheck.Check(t)
	ctx := rpctest.Context(t)
	pub := newLinked(t, "pub")
	if err := pub.Register(ctx, greeter("n1", addr), discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	return ctx, pub
}

func TestBrowseFindsEarlierRegistration(t *testing.T) {
	ctx, _ := published(t, "127.0.0.1:1234")
	brw := newLinked(t, "brw") // started after the announcements: must query
	rpctest.WaitFor(t, "the browser to find n1", func() bool {
		got, err := brw.GetService(ctx, "greeter")
		return err == nil && got[0].Nodes[0].Address == "127.0.0.1:1234"
	})
}

func TestTTLExpiry(t *testing.T) {
	needLink(t)
	leakcheck.Check(t)
	ctx := rpctest.Context(t)
	pub, brw := newLinked(t, "pub"), newLinked(t, "brw")
	if err := pub.Register(ctx, greeter("n1", "127.0.0.1:1"), discovery.RegisterOptions{TTL: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	events, err := brw.Watch(ctx, discovery.WatchFilter{Service: "greeter"})
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, events); ev.Type != discovery.EventAdd {
		t.Fatalf("event %v, want add", ev.Type)
	}
	pub.mu.Lock()
	pub.noGoodbye = true // vanish as a killed process would
	pub.mu.Unlock()
	pub.Close()
	if ev := next(t, events); ev.Type != discovery.EventRemove || ev.Node().ID != "n1" {
		t.Fatalf("event %v %+v, want remove of n1 after its TTL", ev.Type, ev.Service)
	}
}

func TestConflict(t *testing.T) {
	needLink(t)
	leakcheck.Check(t)
	ctx := rpctest.Context(t)
	a, b := newLinked(t, "a"), newLinked(t, "b")
	if err := a.Register(ctx, greeter("n1", "127.0.0.1:1"), discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	err := b.Register(ctx, greeter("n1", "127.0.0.1:2"), discovery.RegisterOptions{})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("registering a name another host holds: %v, want ErrConflict", err)
	}
	// Other names are free; the same data from a registry of the same host
	// is no conflict (one node published twice).
	if err := b.Register(ctx, greeter("n2", "127.0.0.1:2"), discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := newLinked(t, "a").Register(ctx, greeter("n1", "127.0.0.1:1"), discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestInvalid(t *testing.T) {
	leakcheck.Check(t)
	r, err := NewRegistry(Config{LocalOnly: true, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := rpctest.Context(t)
	long := greeter("n1", "127.0.0.1:1")
	long.Nodes[0].Metadata["big"] = strings.Repeat("v", 252)
	err = r.Register(ctx, long, discovery.RegisterOptions{})
	if !errors.Is(err, discovery.ErrInvalid) || !errors.Is(err, dnsmsg.ErrStringTooLong) || !strings.Contains(err.Error(), `"big"`) {
		t.Errorf("metadata over 255 bytes: %v", err)
	}
	for _, svc := range []discovery.Service{
		greeter("n1", "no-port"),
		greeter("n1", "127.0.0.1:http"),
		greeter(strings.Repeat("x", 64), "127.0.0.1:1"),
		{Name: "greeter", Nodes: []discovery.Node{{ID: "n", Address: "127.0.0.1:1", Metadata: map[string]string{"version": "x"}}}},
		{Name: "", Nodes: []discovery.Node{{ID: "n", Address: "127.0.0.1:1"}}},
	} {
		if err := r.Register(ctx, svc, discovery.RegisterOptions{}); !errors.Is(err, discovery.ErrInvalid) {
			t.Errorf("Register(%+v) = %v, want ErrInvalid", svc, err)
		}
	}
}

// TestNoMulticastInterface: with no interface able to multicast, the
// registry says so once and serves its own registrations.
func TestNoMulticastInterface(t *testing.T) {
	leakcheck.Check(t)
	var logs strings.Builder
	cfg := Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	cfg.interfaces = func() ([]net.Interface, error) {
		return []net.Interface{{Index: 1, Name: "lo", Flags: net.FlagUp | net.FlagLoopback}}, nil
	}
	r, err := NewRegistry(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !strings.Contains(logs.String(), "no multicast interface") {
		t.Errorf("log %q does not say there is no multicast interface", logs.String())
	}
	ctx := rpctest.Context(t)
	events, err := r.Watch(ctx, discovery.WatchFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Register(ctx, greeter("n1", "127.0.0.1:1"), discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, events); ev.Type != discovery.EventAdd {
		t.Fatalf("event %v, want add", ev.Type)
	}
	got, err := r.GetService(ctx, "greeter")
	if err != nil || len(got) != 1 || got[0].Nodes[0].ID != "n1" {
		t.Fatalf("GetService = %+v, %v", got, err)
	}
	if _, err := r.GetService(ctx, "other"); !errors.Is(err, discovery.ErrNotFound) {
		t.Fatalf("GetService(other) = %v, want ErrNotFound", err)
	}
	r.Close()
	if _, ok := <-events; ok {
		t.Fatal("watch channel still open after Close")
	}
	if err := r.Register(ctx, greeter("n2", "127.0.0.1:1"), discovery.RegisterOptions{}); !errors.Is(err, discovery.ErrClosed) {
		t.Fatalf("Register after Close: %v, want ErrClosed", err)
	}
	// A named interface that does not exist is an error.
	cfg.Interfaces = []string{"nope0"}
	if _, err := NewRegistry(cfg); err == nil {
		t.Fatal("NewRegistry with a missing interface: no error")
	}
}

func pack(t *testing.T, m *dnsmsg.Message) []byte {
	t.Helper()
	b, err := m.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ptrQuery(id uint16) *dnsmsg.Message {
	return &dnsmsg.Message{ID: id, Questions: []dnsmsg.Question{{Name: "_greeter._tcp.local.", Type: dnsmsg.TypePTR, Class: dnsmsg.ClassIN}}}
}

// TestBadInput sends the responder malformed packets, compression loops,
// huge counts and records of other services from a raw socket: all are
// dropped, nothing of them is cached, and the responder keeps answering.
func TestBadInput(t *testing.T) {
	ctx, _ := published(t, "127.0.0.1:1")
	brw := newLinked(t, "brw")
	if _, err := brw.Watch(ctx, discovery.WatchFilter{}); err != nil {
		t.Fatal(err)
	}
	raw, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	group := &net.UDPAddr{IP: groupV4, Port: DefaultPort}
	good := pack(t, ptrQuery(1))
	other := pack(t, &dnsmsg.Message{Flags: dnsmsg.FlagResponse, Answers: []dnsmsg.Record{
		{Name: "_other._tcp.local.", Type: dnsmsg.TypePTR, Class: dnsmsg.ClassIN, TTL: 120, Target: "x._other._tcp.local."},
		{Name: "x._other._tcp.local.", Type: dnsmsg.TypeSRV, Class: dnsmsg.ClassIN, TTL: 120, Port: 1, Target: "h.local."},
		{Name: "h.local.", Type: dnsmsg.TypeA, Class: dnsmsg.ClassIN, TTL: 120, Addr: netip4(10, 0, 0, 1)},
	}})
	hdr := func(qd, an byte, flags byte) []byte { return []byte{0, 9, flags, 0, 0xFF, qd, 0xFF, an, 0, 0, 0, 0} }
	bad := [][]byte{
		{},
		{1, 2, 3},
		good[:len(good)-3],
		append(hdr(0xFF, 0xFF, 0), make([]byte, 64)...),                           // 65535 questions and answers claimed
		append([]byte{0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}, 0xC0, 12, 0, 12, 0, 1), // pointer to itself
		append([]byte{0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}, 1, 'a', 0xC0, 14, 0, 12, 0, 1),
		append([]byte{0, 9, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0}, 0xC0, 12, 0, 12, 0, 1, 0, 0, 0, 9, 0, 2, 0xC0, 12), // a response looping
		other,
	}
	for _, b := range bad {
		if _, err := raw.WriteToUDP(b, group); err != nil {
			t.Fatal(err)
		}
	}
	// A one-shot query from another port gets a unicast answer: the
	// responder is alive after all of the above.
	var m dnsmsg.Message
	if err := m.Decode(netnstest.OneShot(t, good, rpctest.Timeout)); err != nil || !m.Response() {
		t.Fatalf("one-shot answer: %v", err)
	}
	if m.ID != 1 || len(m.Questions) != 1 || len(m.Answers) != 1 || m.Answers[0].Target != "n1._greeter._tcp.local." || m.Answers[0].TTL > legacyTTL {
		t.Fatalf("unicast answer %+v: want id 1, the question, one PTR to n1 with TTL <= %d", m, legacyTTL)
	}
	for _, r := range m.Additionals {
		if r.CacheFlush {
			t.Errorf("a one-shot answer carries the cache-flush bit: %+v", r)
		}
	}
	// The browser still sees greeter and cached nothing of "other".
	rpctest.WaitFor(t, "the browser to list greeter", func() bool {
		svcs, err := brw.ListServices(ctx)
		return err == nil && len(svcs) == 1 && svcs[0].Name == "greeter"
	})
	brw.mu.Lock()
	defer brw.mu.Unlock()
	for k := range brw.browse.recs {
		if strings.Contains(k, "other") || strings.HasPrefix(k, "h.local.") {
			t.Errorf("cached a record of another service: %q", k)
		}
	}
}

// TestQueryFlood: a burst of multicast queries gets each record multicast
// at most once a second.
func TestQueryFlood(t *testing.T) {
	_, pub := published(t, "127.0.0.1:1")
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	s, err := openSock(*lo, DefaultPort, false) // queries from port 5353: multicast answers
	if err != nil {
		t.Fatal(err)
	}
	defer s.conn.Close()
	start := time.Now()
	const queries = 200
	q := pack(t, ptrQuery(0))
	for range queries {
		if _, err := s.conn.WriteToUDP(q, s.group); err != nil {
			t.Fatal(err)
		}
	}
	answers := 0
	buf := make([]byte, 9000)
	var m dnsmsg.Message
	s.conn.SetReadDeadline(time.Now().Add(1500 * time.Millisecond))
	for {
		n, _, err := s.conn.ReadFromUDP(buf)
		if err != nil {
			break
		}
		if m.Decode(buf[:n]) != nil || !m.Response() {
			continue
		}
		for _, r := range m.Answers {
			if r.Type == dnsmsg.TypePTR && r.Target == "n1._greeter._tcp.local." {
				answers++
			}
		}
	}
	// One per started second, plus the second announcement that may fall
	// in the window.
	if limit := int(time.Since(start)/time.Second) + 2; answers > limit || answers == 0 {
		t.Fatalf("%d queries drew %d multicast answers in %v; want 1..%d", queries, answers, time.Since(start), limit)
	}
	pub.mu.Lock()
	marks := len(pub.lastSent)
	pub.mu.Unlock()
	if marks > 16 {
		t.Errorf("%d rate-limit marks for one node's records", marks)
	}
}

func netip4(a, b, c, d byte) netip.Addr { return netip.AddrFrom4([4]byte{a, b, c, d}) }

// TestResponderKnownAnswers: an answer the querier lists as known (with
// enough TTL left) is left out of the reply.
func TestResponderKnownAnswers(t *testing.T) {
	published(t, "127.0.0.1:1")
	q := ptrQuery(5)
	inst := "n1._greeter._tcp.local."
	q.Questions = append(q.Questions, dnsmsg.Question{Name: inst, Type: dnsmsg.TypeSRV, Class: dnsmsg.ClassIN})
	q.Answers = []dnsmsg.Record{{Name: "_greeter._tcp.local.", Type: dnsmsg.TypePTR, Class: dnsmsg.ClassIN, TTL: 100, Target: inst}}
	var m dnsmsg.Message
	if err := m.Decode(netnstest.OneShot(t, pack(t, q), rpctest.Timeout)); err != nil {
		t.Fatal(err)
	}
	if len(m.Answers) != 1 || m.Answers[0].Type != dnsmsg.TypeSRV {
		t.Fatalf("answers %+v: want only the SRV (the PTR was a known answer)", m.Answers)
	}
}

// loSock stands for the socket a packet came in on, in tests that feed
// the registry packets directly.
var loSock = &ifaceSock{ifi: net.Interface{Index: 1, Name: "lo"}}
