package etcd

import (
	"fmt"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/internal/etcdtest"
	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// TestClusterLeaderKilled: in a 3-member cluster, the leader is killed;
// the registration stays renewed and the watch goes on, through the other
// members.
func TestClusterLeaderKilled(t *testing.T) {
	leakcheck.Check(t)
	ms := etcdtest.StartCluster(t, 3)
	eps := etcdtest.Endpoints(ms)
	r := newTestRegistry(t, Config{Endpoints: eps})
	ctx := rpctest.Context(t)
	if err := r.Register(ctx, svc("math", "", "a"), discovery.RegisterOptions{TTL: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	events, err := r.Watch(ctx, discovery.WatchFilter{})
	if err != nil {
		t.Fatal(err)
	}
	leader := etcdtest.Leader(t, ms)
	leader.Kill()
	t.Logf("killed the leader %s", leader.Name)

	g := groupOf(r, 2)
	n := g.keepAlives.Load()
	// Renewed past two TTLs after the kill: the lease never lapsed.
	rpctest.WaitFor(t, "keep-alives after the leader died", func() bool { return g.keepAlives.Load() >= n+6 })
	if ids := nodes(t, r, "math"); len(ids) != 1 {
		t.Fatalf("after the leader died: %v", ids)
	}
	if err := r.Register(ctx, svc("echo", "", "e"), discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	for {
		if ev := next(t, events); ev.Service.Name == "echo" && ev.Type == discovery.EventAdd {
			break
		}
	}
	if leader := etcdtest.Leader(t, ms); leader == nil || !leader.Running() {
		t.Fatal("no new leader")
	}
}

// TestWatchCutResumes kills the member serving a watch while another
// registry keeps registering through the others: the watch reopens on
// another member from the last revision seen and delivers every event,
// once, in order.
func TestWatchCutResumes(t *testing.T) {
	leakcheck.Check(t)
	ms := etcdtest.StartCluster(t, 3)
	ctx := rpctest.Context(t)
	// The watcher tries ms[0] first: its stream is there.
	watcher := newTestRegistry(t, Config{Endpoints: etcdtest.Endpoints(ms)})
	writer := newTestRegistry(t, Config{Endpoints: etcdtest.Endpoints(ms[1:])})
	events, err := watcher.Watch(ctx, discovery.WatchFilter{Service: "math"})
	if err != nil {
		t.Fatal(err)
	}
	const total = 20
	for i := range total {
		if i == total/4 {
			ms[0].Kill()
		}
		if err := writer.Register(ctx, svc("math", "", fmt.Sprintf("n%02d", i)), discovery.RegisterOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range total {
		ev := next(t, events)
		if want := fmt.Sprintf("n%02d", i); ev.Type != discovery.EventAdd || ev.Node().ID != want {
			t.Fatalf("event %d: %v %s, want add %s", i, ev.Type, ev.Node().ID, want)
		}
	}
	select {
	case ev := <-events:
		t.Fatalf("an extra event: %v %s", ev.Type, ev.Node().ID)
	default:
	}
}
