package mdns

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/internal/dnsmsg"
	"github.com/dmicro-go/dmicro/internal/leakcheck"
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

func TestBrowseFindsEarlierRegistration(t *testing.T) {
	needLink(t)
	leakcheck.Check(t)
	ctx := rpctest.Context(t)
	pub := newLinked(t, "pub")
	if err := pub.Register(ctx, greeter("n1", "127.0.0.1:1234"), discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
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
