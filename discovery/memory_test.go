package discovery_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/internal/leakcheck"
)

func svc(name, version string, nodes ...discovery.Node) discovery.Service {
	return discovery.Service{Name: name, Version: version, Nodes: nodes}
}

func node(id, addr string) discovery.Node { return discovery.Node{ID: id, Address: addr} }

// next reads one event or fails the test if the channel is closed.
func next(t *testing.T, ch <-chan discovery.Event) discovery.Event {
	t.Helper()
	ev, ok := <-ch
	if !ok {
		t.Fatal("watch channel closed, want an event")
	}
	return ev
}

func TestMemoryRegisterGet(t *testing.T) {
	ctx := context.Background()
	m := discovery.NewMemory(discovery.MemoryConfig{})
	defer m.Close()

	if _, err := m.GetService(ctx, "math"); !errors.Is(err, discovery.ErrNotFound) {
		t.Fatalf("GetService of nothing = %v, want ErrNotFound", err)
	}
	if err := m.Register(ctx, svc("math", "v1", node("b", "127.0.0.1:2"), node("a", "127.0.0.1:1")), discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := m.Register(ctx, svc("math", "v2", node("c", "127.0.0.1:3")), discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := m.GetService(ctx, "math")
	if err != nil {
		t.Fatal(err)
	}
	want := []discovery.Service{
		svc("math", "v1", node("a", "127.0.0.1:1"), node("b", "127.0.0.1:2")),
		svc("math", "v2", node("c", "127.0.0.1:3")),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("GetService = %+v, want %+v", got, want)
	}

	// A copy: changing it changes nothing registered.
	got[0].Nodes[0].Address = "changed"
	got[0].Nodes = append(got[0].Nodes[:0], node("z", "x"))
	again, _ := m.GetService(ctx, "math")
	if !reflect.DeepEqual(again, want) {
		t.Fatalf("GetService after the caller changed its copy = %+v", again)
	}

	if err := m.Register(ctx, svc("echo", "", node("e", "127.0.0.1:4")), discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	all, err := m.ListServices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range all {
		names = append(names, s.Name+"/"+s.Version)
	}
	if fmt.Sprint(names) != "[echo/ math/v1 math/v2]" {
		t.Fatalf("ListServices = %v", names)
	}

	if err := m.Deregister(ctx, svc("math", "v1", node("a", ""), node("b", ""))); err != nil {
		t.Fatal(err)
	}
	got, _ = m.GetService(ctx, "math")
	if len(got) != 1 || got[0].Version != "v2" {
		t.Fatalf("after deregistering v1's nodes: %+v", got)
	}
	if err := m.Deregister(ctx, svc("math", "v1", node("a", ""))); err != nil {
		t.Fatalf("deregistering what is gone = %v, want nil", err)
	}
	_ = m.Deregister(ctx, svc("math", "v2", node("c", "")))
	if _, err := m.GetService(ctx, "math"); !errors.Is(err, discovery.ErrNotFound) || !strings.Contains(fmt.Sprint(err), `"math"`) {
		t.Fatalf("GetService after the last node went = %v, want ErrNotFound naming math", err)
	}
}

func TestMemoryInvalid(t *testing.T) {
	ctx := context.Background()
	m := discovery.NewMemory(discovery.MemoryConfig{})
	defer m.Close()
	for _, s := range []discovery.Service{
		{},
		svc("a/b", "", node("n", "x")),
		svc("math", ""),
		svc("math", "", node("", "x")),
		svc("math", "", node("n", "")),
		svc("math", "", node("n", "x"), node("n", "y")),
		{Name: "math", Nodes: []discovery.Node{{ID: "n", Address: "x", Weight: -1}}},
	} {
		if err := m.Register(ctx, s, discovery.RegisterOptions{}); !errors.Is(err, discovery.ErrInvalid) {
			t.Errorf("Register(%+v) = %v, want ErrInvalid", s, err)
		}
	}
	if err := m.Deregister(ctx, discovery.Service{}); !errors.Is(err, discovery.ErrInvalid) {
		t.Errorf("Deregister without a name = %v, want ErrInvalid", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := m.Register(cctx, svc("math", "", node("n", "x")), discovery.RegisterOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Register with a canceled context = %v", err)
	}
}

func TestMemoryWatch(t *testing.T) {
	leakcheck.Check(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := discovery.NewMemory(discovery.MemoryConfig{})
	defer m.Close()
	all, err := m.Watch(ctx, discovery.WatchFilter{})
	if err != nil {
		t.Fatal(err)
	}
	onlyEcho, err := m.Watch(ctx, discovery.WatchFilter{Service: "echo"})
	if err != nil {
		t.Fatal(err)
	}
	reg := func(s discovery.Service) {
		t.Helper()
		if err := m.Register(ctx, s, discovery.RegisterOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	reg(svc("math", "", node("a", "127.0.0.1:1")))
	reg(svc("math", "", node("a", "127.0.0.1:1"))) // the same again: no event
	reg(svc("math", "", node("a", "127.0.0.1:9")))
	reg(svc("echo", "", node("e", "127.0.0.1:4")))
	withMeta := svc("echo", "", node("e", "127.0.0.1:4"))
	withMeta.Metadata = map[string]string{"zone": "b"}
	reg(withMeta) // the service's metadata changed: an update
	if err := m.Deregister(ctx, svc("math", "", node("a", ""))); err != nil {
		t.Fatal(err)
	}

	type seen struct {
		typ        discovery.EventType
		name, id   string
		addr, zone string
	}
	read := func(ch <-chan discovery.Event) seen {
		ev := next(t, ch)
		n := ev.Node()
		return seen{ev.Type, ev.Service.Name, n.ID, n.Address, ev.Service.Metadata["zone"]}
	}
	want := []seen{
		{discovery.EventAdd, "math", "a", "127.0.0.1:1", ""},
		{discovery.EventUpdate, "math", "a", "127.0.0.1:9", ""},
		{discovery.EventAdd, "echo", "e", "127.0.0.1:4", ""},
		{discovery.EventUpdate, "echo", "e", "127.0.0.1:4", "b"},
		{discovery.EventRemove, "math", "a", "127.0.0.1:9", ""},
	}
	for i, w := range want {
		if got := read(all); got != w {
			t.Fatalf("event %d = %+v, want %+v", i, got, w)
		}
	}
	for _, w := range want[2:4] {
		if got := read(onlyEcho); got != w {
			t.Fatalf("filtered event = %+v, want %+v", got, w)
		}
	}

	// The event is the watcher's own copy.
	reg(svc("math", "", discovery.Node{ID: "m", Address: "x", Metadata: map[string]string{"k": "v"}}))
	ev := next(t, all)
	ev.Service.Nodes[0].Metadata["k"] = "changed"
	got, _ := m.GetService(ctx, "math")
	if got[0].Nodes[0].Metadata["k"] != "v" {
		t.Fatal("changing an event's metadata changed the registry")
	}

	// Ending the context closes that watch only.
	wctx, wcancel := context.WithCancel(ctx)
	ended, _ := m.Watch(wctx, discovery.WatchFilter{})
	wcancel()
	if _, ok := <-ended; ok {
		t.Fatal("an event on a watch whose context ended")
	}
	reg(svc("math", "", node("n", "y")))
	if next(t, all).Node().ID != "n" {
		t.Fatal("the other watch lost its event")
	}
}

func TestMemorySlowWatcherIsCutOff(t *testing.T) {
	ctx := context.Background()
	m := discovery.NewMemory(discovery.MemoryConfig{WatchBuffer: 4})
	defer m.Close()
	slow, _ := m.Watch(ctx, discovery.WatchFilter{})
	// Registering more than the buffer never blocks, even with nobody
	// reading.
	for i := range 10 {
		if err := m.Register(ctx, svc("math", "", node(fmt.Sprint(i), "x")), discovery.RegisterOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for range slow {
		n++
	}
	if n != 4 {
		t.Fatalf("the slow watcher got %d events before its channel closed, want its buffer, 4", n)
	}
	// Watching anew works.
	fresh, err := m.Watch(ctx, discovery.WatchFilter{})
	if err != nil {
		t.Fatal(err)
	}
	_ = m.Deregister(ctx, svc("math", "", node("3", "")))
	if ev := next(t, fresh); ev.Type != discovery.EventRemove || ev.Node().ID != "3" {
		t.Fatalf("after watching again: %+v", ev)
	}
}

func TestMemoryClose(t *testing.T) {
	ctx := context.Background()
	m := discovery.NewMemory(discovery.MemoryConfig{})
	w, _ := m.Watch(ctx, discovery.WatchFilter{})
	_ = m.Register(ctx, svc("math", "", node("a", "x")), discovery.RegisterOptions{})
	next(t, w)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-w; ok {
		t.Fatal("a watch outlived Close")
	}
	if err := m.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	checks := map[string]error{}
	checks["Register"] = m.Register(ctx, svc("math", "", node("a", "x")), discovery.RegisterOptions{})
	checks["Deregister"] = m.Deregister(ctx, svc("math", "", node("a", "x")))
	_, checks["GetService"] = m.GetService(ctx, "math")
	_, checks["ListServices"] = m.ListServices(ctx)
	_, checks["Watch"] = m.Watch(ctx, discovery.WatchFilter{})
	for op, err := range checks {
		if !errors.Is(err, discovery.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", op, err)
		}
	}
}

func TestMemoryConcurrent(t *testing.T) {
	leakcheck.Check(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := discovery.NewMemory(discovery.MemoryConfig{})
	defer m.Close()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			w, err := m.Watch(ctx, discovery.WatchFilter{})
			if err != nil {
				t.Error(err)
				return
			}
			for i := range 200 {
				s := svc("math", "", node(fmt.Sprintf("%d-%d", g, i%5), "x"))
				_ = m.Register(ctx, s, discovery.RegisterOptions{})
				_, _ = m.GetService(ctx, "math")
				_ = m.Deregister(ctx, s)
				select {
				case <-w:
				default:
				}
			}
		})
	}
	wg.Wait()
	if _, err := m.GetService(ctx, "math"); !errors.Is(err, discovery.ErrNotFound) {
		t.Fatalf("after every node was deregistered: %v", err)
	}
}
