package discoverytest_test

import (
	"testing"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/discovery/discoverytest"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

func TestNextEvent(t *testing.T) {
	m := discovery.NewMemory(discovery.MemoryConfig{})
	defer m.Close()
	ctx := rpctest.Context(t)
	events, err := m.Watch(ctx, discovery.WatchFilter{Service: "greeter"})
	if err != nil {
		t.Fatal(err)
	}
	svc := discovery.Service{Name: "greeter", Nodes: []discovery.Node{{ID: "a", Address: "127.0.0.1:1"}}}
	if err := m.Register(ctx, svc, discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	ev := discoverytest.NextEvent(t, events)
	if ev.Type != discovery.EventAdd || ev.Node().ID != "a" {
		t.Fatalf("got %v %+v, want add of a", ev.Type, ev.Node())
	}
}
