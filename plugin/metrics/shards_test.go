package metrics

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// TestShardLayout checks that every shard of every side of a method, and
// the failure counts before them, start and end cache lines of their own.
func TestShardLayout(t *testing.T) {
	for _, nbuckets := range []int{1, 4, 15, 16, 17} {
		st := newMethodStats("/l", 3, nbuckets)
		fails := unsafe.Pointer(&st.client.fails[0])
		if uintptr(fails)%64 != 0 || unsafe.Pointer(&st.server.fails[0]) != unsafe.Add(fails, failWords/2*8) {
			t.Errorf("%d buckets: failures at %p and %p", nbuckets, fails, &st.server.fails[0])
		}
		end := unsafe.Add(fails, roundUp(failWords)*8)
		for i, s := range append(slices.Clone(st.client.shards), st.server.shards...) {
			at := unsafe.Pointer(&s[0])
			if uintptr(at)%64 != 0 || len(s)%lineWords != 0 || len(s) < atBuckets+nbuckets || uintptr(at) < uintptr(end) {
				t.Errorf("%d buckets, shard %d: at %p (failures end at %p), %d counters", nbuckets, i, at, end, len(s))
			}
		}
	}
}

// TestShardPicking checks that two Ps whose tokens name the same shard
// end up on different shards, and that the shards picked are valid when
// tokens outnumber shards.
func TestShardPicking(t *testing.T) {
	const n = 2
	var p shardPicker
	owners := alignedCounters(n * lineWords)
	p.init(n, owners)
	a, b := &p.tokens[0], &p.tokens[n] // both on shard 0
	if p.shard(a) != 0 || owners[hotOwner].Load() != a.mark {
		t.Fatal("the first token did not claim shard 0")
	}
	for range 1000 { // two Ps taking turns
		p.shard(a)
		p.shard(b)
	}
	if sa, sb := p.shard(a), p.shard(b); sa == sb {
		t.Errorf("both tokens on shard %d after 1000 turns", sa)
	}
	var wg sync.WaitGroup
	var bad atomic.Int32
	for range 4 * maxTokens {
		wg.Go(func() {
			for range 1000 {
				tok, id := p.get()
				if id < 0 || id >= n {
					bad.Store(int32(id))
				}
				p.put(tok)
			}
		})
	}
	wg.Wait()
	if id := bad.Load(); id != 0 {
		t.Errorf("picked shard %d of %d", id, n)
	}
}

// TestStripedCounts makes calls from many goroutines at once, with the
// counters striped over four shards, and checks that the sums the
// exposition shows lose nothing.
func TestStripedCounts(t *testing.T) {
	leakcheck.Check(t)
	const callers, calls = 16, 50
	srvM, cliM := newStriped(t, Config{}, 4), newStriped(t, Config{}, 4)
	p := newPair(t, nil, srvM, cliM)
	ctx := rpctest.Context(t)
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			var sum int
			for range calls {
				if err := p.sess.Call(ctx, "/math/add", []int{1, 2, 3}, &sum); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	const n = callers * calls
	checkValues(t, cliM, map[string]float64{
		`dmicro_client_calls_total{method="/math/add",code="ok"}`:                  n,
		`dmicro_client_call_duration_seconds_count{method="/math/add"}`:            n,
		`dmicro_client_call_duration_seconds_bucket{method="/math/add",le="+Inf"}`: n,
		`dmicro_client_calls_in_flight`:                                            0,
	})
	waitValue(t, srvM, `dmicro_server_calls_total{method="/math/add",code="ok"}`, n)
	waitValue(t, srvM, `dmicro_server_requests_in_flight`, 0)
	checkValues(t, srvM, map[string]float64{
		`dmicro_server_call_duration_seconds_count{method="/math/add"}`: n,
	})
}
