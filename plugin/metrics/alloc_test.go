package metrics

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// TestRecordingAllocatesNothing pins the recording path at no allocation:
// a method's lookup (cached or not), a shard's choice, a call's counts and
// observation.
func TestRecordingAllocatesNothing(t *testing.T) {
	for _, shards := range []int{1, 3} {
		testRecordingAllocatesNothing(t, newStriped(t, Config{}, shards))
	}
}

func testRecordingAllocatesNothing(t *testing.T, mt *Metrics) {
	mt.methods.get("/math/add")
	notFound := rpc.Errorf(rpc.CodeNotFound, "no")
	for name, f := range map[string]func(){
		"lookup": func() { mt.methods.get("/math/add") },
		"lookup past the cap": func() {
			mt.methods.full.Store(true)
			mt.methods.get("/not/learnt")
		},
		"shard": func() {
			t, _ := mt.shards.get()
			mt.shards.put(t)
		},
		"call sent": func() { mt.method("/math/add") },
		"call sent, other methods": func() {
			mt.method("/math/sub")
			mt.method("/math/add")
		},
		"call returned": func() {
			mt.callReturned(mt.methods.other, 3*time.Millisecond, notFound)
		},
		"reply written": func() { mt.replyWritten("/math/add", time.Millisecond, rpc.CodeNotFound) },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%d shards, %s: %v allocations, want 0", mt.shards.n, name, n)
		}
	}
}

// probe runs the hooks and interceptors of a Metrics (that no endpoint
// has) on the real messages of a call and a push, with
// testing.AllocsPerRun, from hooks that run before the plugin's own.
type probe struct {
	mt     *Metrics
	invoke rpc.InvokeFunc  // mt's call interceptor around nothing
	handle rpc.HandlerFunc // mt's handler interceptor around nothing

	mu     sync.Mutex
	allocs map[string]float64
}

func newProbe(t *testing.T, shards int) *probe {
	p := &probe{mt: newStriped(t, Config{}, shards), allocs: map[string]float64{}}
	p.invoke = p.mt.InterceptCall(func(context.Context, *rpc.Message, any) error { return nil })
	p.handle = p.mt.InterceptHandler(func(context.Context, *rpc.Message) (any, error) { return nil, nil })
	return p
}

func (*probe) Name() string { return "probe" }

func (p *probe) measure(name string, f func()) {
	n := testing.AllocsPerRun(50, f)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.allocs[name] = n
}

func (p *probe) InterceptCall(next rpc.InvokeFunc) rpc.InvokeFunc {
	return func(ctx context.Context, m *rpc.Message, reply any) error {
		p.measure("InterceptCall "+strings.ToLower(m.Type().String()), func() { p.invoke(ctx, m, reply) })
		return next(ctx, m, reply)
	}
}

func (p *probe) InterceptHandler(next rpc.HandlerFunc) rpc.HandlerFunc {
	return func(ctx context.Context, m *rpc.Message) (any, error) {
		p.measure("InterceptHandler "+strings.ToLower(m.Type().String()), func() { p.handle(ctx, m) })
		return next(ctx, m)
	}
}

func (p *probe) AfterWriteReply(m *rpc.Message) error {
	p.measure("AfterWriteReply", func() { p.mt.AfterWriteReply(m) })
	return nil
}

func (p *probe) AfterReadPushHeader(m *rpc.Message) error {
	p.measure("AfterReadPushHeader", func() { p.mt.AfterReadPushHeader(m) })
	return nil
}

// TestHooksAllocateNothing calls each hook and interceptor of the plugin
// that runs per call or push, on the messages of a real call and push,
// and counts the allocations of the plugin's code alone.
func TestHooksAllocateNothing(t *testing.T) {
	for _, shards := range []int{1, 3} {
		t.Run(fmt.Sprintf("shards=%d", shards), func(t *testing.T) { testHooksAllocateNothing(t, shards) })
	}
}

func testHooksAllocateNothing(t *testing.T, shards int) {
	leakcheck.Check(t)
	srvProbe, cliProbe := newProbe(t, shards), newProbe(t, shards)
	srvM, cliM := newMetrics(t, Config{}), newMetrics(t, Config{})
	_, addr := startServer(t, nil, nil, srvProbe, srvM)
	cli := newClient(t, rpc.Config{}, cliProbe, cliM)
	sess, err := cli.Dial(rpctest.Context(t), addr)
	must(t, err)
	must(t, sess.Call(rpctest.Context(t), "/math/add", []int{1, 2, 3}, nil))
	must(t, sess.Push(rpctest.Context(t), "/note", "hi"))
	waitValue(t, srvM, `dmicro_server_pushes_total{method="/note",code="ok"}`, 1)
	waitValue(t, srvM, `dmicro_server_calls_total{method="/math/add",code="ok"}`, 1)

	for _, c := range []struct {
		p     *probe
		hooks []string
	}{
		{cliProbe, []string{"InterceptCall call", "InterceptCall push"}},
		{srvProbe, []string{"AfterWriteReply", "AfterReadPushHeader", "InterceptHandler call", "InterceptHandler push"}},
	} {
		c.p.mu.Lock()
		for _, h := range c.hooks {
			if n, ok := c.p.allocs[h]; !ok || n != 0 {
				t.Errorf("%s: %v allocations (measured: %v), want 0", h, n, ok)
			}
		}
		c.p.mu.Unlock()
	}
}

// TestCallAllocations compares the allocations of a whole call, client
// and server in one process, with and without the plugin on both sides.
func TestCallAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops items at random")
	}
	leakcheck.Check(t)
	perCall := func(srvPlug, cliPlug rpc.Plugin) float64 {
		p := newPair(t, nil, srvPlug, cliPlug)
		ctx := rpctest.Context(t)
		var sum int
		call := func() {
			if err := p.sess.Call(ctx, "/math/add", []int{1, 2, 3}, &sum); err != nil {
				t.Fatal(err)
			}
		}
		for range 100 {
			call() // warm the pools, and learn the method
		}
		return testing.AllocsPerRun(500, call)
	}
	bare := perCall(nil, nil)
	for _, shards := range []int{1, 3} {
		with := perCall(newStriped(t, Config{}, shards), newStriped(t, Config{}, shards))
		t.Logf("allocations per call: %v bare, %v with metrics in %d shards", bare, with, shards)
		if with > bare {
			t.Errorf("a call allocates %v times with metrics in %d shards, %v without", with, shards, bare)
		}
	}
}
