package discovery_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// flaky wraps a Memory to fail like a backend that cannot be reached:
// while down every call fails and every watch is cut. Memory cannot be
// made unreachable for real, so this stands in for a lost etcd.
type flaky struct {
	*discovery.Memory
	down    atomic.Bool
	mu      sync.Mutex
	cancels []context.CancelFunc
	gets    atomic.Int64
}

var errRefused = errors.New("dial tcp 127.0.0.1:2379: connection refused")

func (f *flaky) setDown(down bool) {
	f.down.Store(down)
	if down {
		f.mu.Lock()
		for _, c := range f.cancels {
			c()
		}
		f.cancels = nil
		f.mu.Unlock()
	}
}

func (f *flaky) GetService(ctx context.Context, name string) ([]discovery.Service, error) {
	f.gets.Add(1)
	if f.down.Load() {
		return nil, errRefused
	}
	return f.Memory.GetService(ctx, name)
}

func (f *flaky) ListServices(ctx context.Context) ([]discovery.Service, error) {
	if f.down.Load() {
		return nil, errRefused
	}
	return f.Memory.ListServices(ctx)
}

func (f *flaky) Watch(ctx context.Context, filter discovery.WatchFilter) (<-chan discovery.Event, error) {
	if f.down.Load() {
		return nil, errRefused
	}
	ctx, cancel := context.WithCancel(ctx)
	f.mu.Lock()
	f.cancels = append(f.cancels, cancel)
	f.mu.Unlock()
	return f.Memory.Watch(ctx, filter)
}

// fakeClock is a settable clock for StaleTTL.
type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// syncBuffer is a log sink safe for the cache's goroutine and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// nodeIDs lists the node ids of every version of name, or the error.
func nodeIDs(c discovery.Registry, name string) string {
	svcs, err := c.GetService(context.Background(), name)
	if err != nil {
		return "error: " + err.Error()
	}
	var ids []string
	for _, s := range svcs {
		for _, n := range s.Nodes {
			ids = append(ids, s.Version+"/"+n.ID+"@"+n.Address)
		}
	}
	return strings.Join(ids, " ")
}

func TestCacheFollowsBackend(t *testing.T) {
	leakcheck.Check(t)
	ctx := rpctest.Context(t)
	m := discovery.NewMemory(discovery.MemoryConfig{})
	defer m.Close()
	c := discovery.NewCache(m, discovery.CacheConfig{})
	defer c.Close()

	// Writes pass through.
	if err := c.Register(ctx, svc("math", "v1", node("a", "127.0.0.1:1")), discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := nodeIDs(c, "math"); got != "v1/a@127.0.0.1:1" {
		t.Fatalf("first read = %s", got)
	}
	if _, err := c.GetService(ctx, "echo"); !errors.Is(err, discovery.ErrNotFound) {
		t.Fatalf("unknown service = %v, want ErrNotFound", err)
	}

	// Changes reach the cache through the watch, for services found and
	// for services that were not found.
	_ = m.Register(ctx, svc("math", "v1", node("b", "127.0.0.1:2")), discovery.RegisterOptions{})
	_ = m.Register(ctx, svc("math", "v2", node("c", "127.0.0.1:3")), discovery.RegisterOptions{})
	_ = m.Register(ctx, svc("math", "v1", node("a", "127.0.0.1:9")), discovery.RegisterOptions{})
	_ = m.Register(ctx, svc("echo", "", node("e", "127.0.0.1:4")), discovery.RegisterOptions{})
	rpctest.WaitFor(t, "the cache to see the new nodes", func() bool {
		return nodeIDs(c, "math") == "v1/a@127.0.0.1:9 v1/b@127.0.0.1:2 v2/c@127.0.0.1:3" && nodeIDs(c, "echo") == "/e@127.0.0.1:4"
	})
	_ = c.Deregister(ctx, svc("math", "v1", node("a", ""), node("b", "")))
	_ = m.Deregister(ctx, svc("echo", "", node("e", "")))
	rpctest.WaitFor(t, "the cache to see the nodes go", func() bool {
		_, err := c.GetService(ctx, "echo")
		return nodeIDs(c, "math") == "v2/c@127.0.0.1:3" && errors.Is(err, discovery.ErrNotFound)
	})

	// A cached read allocates nothing and does not ask the backend.
	if a := testing.AllocsPerRun(100, func() { _, _ = c.GetService(ctx, "math") }); a != 0 {
		t.Errorf("a cached GetService allocates %v times", a)
	}

	// ListServices is served from memory once listed.
	_ = m.Register(ctx, svc("log", "", node("l", "127.0.0.1:5")), discovery.RegisterOptions{})
	list := func() string {
		all, err := c.ListServices(ctx)
		if err != nil {
			return err.Error()
		}
		var s []string
		for _, x := range all {
			s = append(s, x.Name+"/"+x.Version)
		}
		return strings.Join(s, " ")
	}
	if got := list(); got != "log/ math/v2" {
		t.Fatalf("ListServices = %s", got)
	}
	_ = m.Register(ctx, svc("zip", "", node("z", "127.0.0.1:6")), discovery.RegisterOptions{})
	rpctest.WaitFor(t, "the listing to see a new service", func() bool { return list() == "log/ math/v2 zip/" })
	if got := nodeIDs(c, "zip"); got != "/z@127.0.0.1:6" {
		t.Fatalf("a service learnt by the listing's watch = %s", got)
	}

	// Watch passes through.
	w, err := c.Watch(ctx, discovery.WatchFilter{Service: "math"})
	if err != nil {
		t.Fatal(err)
	}
	_ = m.Register(ctx, svc("math", "v2", node("d", "127.0.0.1:7")), discovery.RegisterOptions{})
	if ev := next(t, w); ev.Type != discovery.EventAdd || ev.Node().ID != "d" {
		t.Fatalf("Watch through the cache = %+v", ev)
	}

	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetService(ctx, "math"); !errors.Is(err, discovery.ErrClosed) {
		t.Fatalf("GetService after Close = %v, want ErrClosed", err)
	}
	if _, err := c.ListServices(ctx); !errors.Is(err, discovery.ErrClosed) {
		t.Fatalf("ListServices after Close = %v, want ErrClosed", err)
	}
	if _, err := m.GetService(ctx, "math"); err != nil {
		t.Fatalf("closing the cache closed the backend: %v", err)
	}
}

func TestCacheServesStaleWhileBackendLost(t *testing.T) {
	leakcheck.Check(t)
	ctx := rpctest.Context(t)
	var clk fakeClock
	clk.advance(time.Hour)
	logs := &syncBuffer{}
	f := &flaky{Memory: discovery.NewMemory(discovery.MemoryConfig{})}
	defer f.Close()
	c := discovery.NewCache(f, discovery.CacheConfig{
		StaleTTL: time.Minute,
		RetryMin: time.Millisecond, RetryMax: 5 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Now:    clk.now,
	})
	defer c.Close()

	_ = f.Register(ctx, svc("math", "", node("a", "127.0.0.1:1")), discovery.RegisterOptions{})
	if got := nodeIDs(c, "math"); got != "/a@127.0.0.1:1" {
		t.Fatalf("first read = %s", got)
	}
	// Wait until the cache follows the backend: a change shows up.
	_ = f.Register(ctx, svc("math", "", node("b", "127.0.0.1:2")), discovery.RegisterOptions{})
	rpctest.WaitFor(t, "the cache to follow", func() bool { return nodeIDs(c, "math") == "/a@127.0.0.1:1 /b@127.0.0.1:2" })

	// The backend goes away: the last good answer stays for StaleTTL.
	f.setDown(true)
	rpctest.WaitFor(t, "the cache to log the loss", func() bool { return strings.Contains(logs.String(), "lost the backend") })
	clk.advance(59 * time.Second)
	if got := nodeIDs(c, "math"); got != "/a@127.0.0.1:1 /b@127.0.0.1:2" {
		t.Fatalf("within StaleTTL = %s, want the last good answer", got)
	}
	// A name never read has no last good answer.
	if _, err := c.GetService(ctx, "echo"); !errors.Is(err, discovery.ErrUnavailable) || !errors.Is(err, errRefused) || !strings.Contains(err.Error(), `"echo"`) {
		t.Fatalf("a new name while the backend is lost = %v, want ErrUnavailable and the cause, naming echo", err)
	}
	// Past StaleTTL, reads fail.
	clk.advance(2 * time.Second)
	if _, err := c.GetService(ctx, "math"); !errors.Is(err, discovery.ErrUnavailable) || !errors.Is(err, errRefused) {
		t.Fatalf("past StaleTTL = %v, want ErrUnavailable wrapping the backend's error", err)
	}

	// Changes made meanwhile show up once the backend is back.
	_ = f.Memory.Deregister(ctx, svc("math", "", node("a", "")))
	f.setDown(false)
	rpctest.WaitFor(t, "the cache to recover", func() bool { return nodeIDs(c, "math") == "/b@127.0.0.1:2" })
	rpctest.WaitFor(t, "the cache to log the recovery", func() bool { return strings.Contains(logs.String(), "following the backend again") })
	// Back to memory: reads no longer reach the backend.
	_ = f.Register(ctx, svc("math", "", node("c", "127.0.0.1:3")), discovery.RegisterOptions{})
	rpctest.WaitFor(t, "the watch to be back", func() bool { return nodeIDs(c, "math") == "/b@127.0.0.1:2 /c@127.0.0.1:3" })
	before := f.gets.Load()
	for range 10 {
		_, _ = c.GetService(ctx, "math")
	}
	if n := f.gets.Load() - before; n != 0 {
		t.Fatalf("%d reads reached the backend after it came back", n)
	}

	// One line per change of state, however many retries.
	if got := strings.Count(logs.String(), "\n"); got != 2 {
		t.Fatalf("%d log lines, want 2 (lost, back):\n%s", got, logs.String())
	}
}

func TestCacheRecoversFromSlowWatch(t *testing.T) {
	leakcheck.Check(t)
	ctx := rpctest.Context(t)
	// A tiny watch buffer: the cache falls behind, is cut off, and must
	// watch again and read again to catch up.
	m := discovery.NewMemory(discovery.MemoryConfig{WatchBuffer: 1})
	defer m.Close()
	c := discovery.NewCache(m, discovery.CacheConfig{RetryMin: time.Millisecond, RetryMax: time.Millisecond})
	defer c.Close()
	_ = m.Register(ctx, svc("math", "", node("n000", "x")), discovery.RegisterOptions{})
	if _, err := c.GetService(ctx, "math"); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 300 {
		id := fmt.Sprintf("n%03d", i)
		want = append(want, "/"+id+"@x")
		_ = m.Register(ctx, svc("math", "", node(id, "x")), discovery.RegisterOptions{})
	}
	rpctest.WaitFor(t, "the cache to catch up", func() bool { return nodeIDs(c, "math") == strings.Join(want, " ") })
}

func TestCacheConcurrentReads(t *testing.T) {
	leakcheck.Check(t)
	ctx := rpctest.Context(t)
	m := discovery.NewMemory(discovery.MemoryConfig{})
	defer m.Close()
	c := discovery.NewCache(m, discovery.CacheConfig{})
	defer c.Close()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				name := fmt.Sprint("svc", i%4)
				switch g % 3 {
				case 0:
					_ = m.Register(ctx, svc(name, "", node(fmt.Sprint(g), "x")), discovery.RegisterOptions{})
				case 1:
					_, _ = c.GetService(ctx, name)
				case 2:
					_, _ = c.ListServices(ctx)
				}
			}
		})
	}
	wg.Wait()
	want, _ := m.ListServices(ctx)
	rpctest.WaitFor(t, "the cache to agree with the backend", func() bool {
		got, err := c.ListServices(ctx)
		return err == nil && fmt.Sprint(got) == fmt.Sprint(want)
	})
}

func BenchmarkCacheGetService(b *testing.B) {
	ctx := context.Background()
	m := discovery.NewMemory(discovery.MemoryConfig{})
	defer m.Close()
	var nodes []discovery.Node
	for i := range 10 {
		nodes = append(nodes, node(fmt.Sprint(i), fmt.Sprintf("127.0.0.1:%d", 9000+i)))
	}
	_ = m.Register(ctx, svc("math", "", nodes...), discovery.RegisterOptions{})
	c := discovery.NewCache(m, discovery.CacheConfig{})
	defer c.Close()
	b.Run("cache", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.GetService(ctx, "math"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cache/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.GetService(ctx, "math"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("memory", func(b *testing.B) { // the backend alone: a deep copy per read
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.GetService(ctx, "math"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
