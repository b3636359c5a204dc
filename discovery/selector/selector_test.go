package selector_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/discovery/selector"
)

func nodes(ids ...string) []discovery.Node {
	out := make([]discovery.Node, len(ids))
	for i, id := range ids {
		out[i] = discovery.Node{ID: id, Address: "127.0.0.1:" + fmt.Sprint(9000+i)}
	}
	return out
}

// count picks n times (each Done at once, with no error) and counts the
// nodes by id.
func count(t *testing.T, s *selector.Selector, n int, key func(i int) string) map[string]int {
	t.Helper()
	got := map[string]int{}
	for i := range n {
		k := ""
		if key != nil {
			k = key(i)
		}
		p, err := s.Pick(k)
		if err != nil {
			t.Fatal(err)
		}
		got[p.Node.ID]++
		p.Done(nil)
	}
	return got
}

// clock is a settable clock for back-off tests.
type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func seeded() rand.Source { return rand.NewPCG(1, 2) }

func TestNoNodes(t *testing.T) {
	for _, st := range strategies() {
		s := selector.New(selector.Config{Strategy: st})
		if _, err := s.Pick("k"); !errors.Is(err, selector.ErrNoNodes) {
			t.Errorf("%T: Pick with no node = %v, want ErrNoNodes", st, err)
		}
		s.Update(nodes("a"))
		s.Update(nil)
		p, err := s.Pick("k")
		if !errors.Is(err, selector.ErrNoNodes) {
			t.Errorf("%T: Pick after the nodes went = %v, want ErrNoNodes", st, err)
		}
		p.Done(errors.New("x")) // a zero Picked: nothing happens
	}
}

func strategies() []selector.Strategy {
	return []selector.Strategy{selector.Random{}, selector.RoundRobin{}, selector.SmoothWeighted{}, selector.P2C{}, selector.ConsistentHash{}}
}

func TestRoundRobinExact(t *testing.T) {
	s := selector.New(selector.Config{})
	s.Update(nodes("c", "a", "b"))
	var order []string
	for range 6 {
		p, _ := s.Pick("")
		order = append(order, p.Node.ID)
		p.Done(nil)
	}
	if got := strings.Join(order, ""); got != "abcabc" {
		t.Fatalf("round robin order = %s, want abcabc", got)
	}
	got := count(t, s, 300, nil)
	for _, id := range []string{"a", "b", "c"} {
		if got[id] != 100 {
			t.Fatalf("round robin shares = %v, want 100 each", got)
		}
	}
}

func TestSmoothWeightedExact(t *testing.T) {
	s := selector.New(selector.Config{Strategy: selector.SmoothWeighted{}})
	ns := nodes("a", "b", "c")
	ns[0].Weight = 5
	s.Update(ns)
	var order []string
	for range 14 {
		p, _ := s.Pick("")
		order = append(order, p.Node.ID)
		p.Done(nil)
	}
	if got := strings.Join(order, ""); got != "aabacaa"+"aabacaa" {
		t.Fatalf("smooth weighted order = %s, want aabacaa twice", got)
	}
	ns[1].Weight, ns[2].Weight = 2, 3
	s.Update(ns)
	got := count(t, s, 10*100, nil) // weights 5, 2, 3: 100 cycles of 10
	if got["a"] != 500 || got["b"] != 200 || got["c"] != 300 {
		t.Fatalf("smooth weighted shares = %v, want a 500, b 200, c 300", got)
	}
}

func TestRandomShares(t *testing.T) {
	s := selector.New(selector.Config{Strategy: selector.Random{}, Rand: seeded()})
	ns := nodes("a", "b", "c")
	ns[2].Weight = 2
	s.Update(ns)
	const n = 40000
	got := count(t, s, n, nil)
	want := map[string]float64{"a": 0.25, "b": 0.25, "c": 0.5}
	for id, share := range want {
		// A generous bound: the standard deviation is about 0.0025.
		if f := float64(got[id]) / n; f < share-0.02 || f > share+0.02 {
			t.Errorf("random share of %s = %.3f, want %.2f±0.02 (%v)", id, f, share, got)
		}
	}
	// The same seed gives the same picks.
	again := selector.New(selector.Config{Strategy: selector.Random{}, Rand: seeded()})
	again.Update(ns)
	if fmt.Sprint(count(t, again, n, nil)) != fmt.Sprint(got) {
		t.Error("the same seed gave other picks")
	}
}

func TestP2CPrefersLeastLoaded(t *testing.T) {
	s := selector.New(selector.Config{Strategy: selector.P2C{}, Rand: seeded()})
	s.Update(nodes("a", "b", "c"))
	busy, err := s.Pick("")
	if err != nil {
		t.Fatal(err)
	}
	got := count(t, s, 3000, nil)
	if got[busy.Node.ID] != 0 {
		t.Fatalf("p2c picked the node with a call in flight %d times, want never (%v)", got[busy.Node.ID], got)
	}
	for _, id := range []string{"a", "b", "c"} {
		if id != busy.Node.ID && (got[id] < 1200 || got[id] > 1800) {
			t.Fatalf("p2c shares of the idle nodes = %v, want about 1500 each", got)
		}
	}
	busy.Done(nil)

	// Calls that never end spread evenly: each pick goes to the less
	// loaded of two.
	held := map[string]int{}
	var ps []selector.Picked
	for range 300 {
		p, _ := s.Pick("")
		held[p.Node.ID]++
		ps = append(ps, p)
	}
	for _, id := range []string{"a", "b", "c"} {
		if held[id] < 97 || held[id] > 103 {
			t.Fatalf("p2c in flight per node = %v, want 100±3 each", held)
		}
	}
	for _, p := range ps {
		p.Done(nil)
	}
}

func TestConsistentHash(t *testing.T) {
	s := selector.New(selector.Config{Strategy: selector.ConsistentHash{}})
	s.Update(nodes("a", "b", "c"))
	const keys = 20000
	key := func(i int) string { return fmt.Sprintf("user-%d", i) }
	before := make([]string, keys)
	for i := range keys {
		p, _ := s.Pick(key(i))
		before[i] = p.Node.ID
		p.Done(nil)
		if q, _ := s.Pick(key(i)); q.Node.ID != before[i] {
			t.Fatalf("key %q went to %s, then to %s", key(i), before[i], q.Node.ID)
		}
	}
	shares := map[string]int{}
	for _, id := range before {
		shares[id]++
	}
	for _, id := range []string{"a", "b", "c"} {
		if f := float64(shares[id]) / keys; f < 0.25 || f > 0.42 {
			t.Errorf("share of %s = %.3f, want about 1/3 (%v)", id, f, shares)
		}
	}

	// A fourth node takes about a quarter of the keys, from every node,
	// and no key moves between the old ones.
	s.Update(nodes("a", "b", "c", "d"))
	moved := 0
	for i := range keys {
		p, _ := s.Pick(key(i))
		if p.Node.ID != before[i] {
			moved++
			if p.Node.ID != "d" {
				t.Fatalf("key %q moved from %s to %s, not to the new node", key(i), before[i], p.Node.ID)
			}
		}
	}
	if f := float64(moved) / keys; f < 0.15 || f > 0.35 {
		t.Errorf("adding a fourth node moved %.3f of the keys, want about 1/4", f)
	}

	// Removing a node moves only its keys.
	s.Update(nodes("a", "c", "d"))
	for i := range keys {
		p, _ := s.Pick(key(i))
		if before[i] != "b" && p.Node.ID != before[i] && p.Node.ID != "d" {
			t.Fatalf("key %q of %s moved to %s when b was removed", key(i), before[i], p.Node.ID)
		}
		if p.Node.ID == "b" {
			t.Fatal("a removed node was picked")
		}
	}
}

func TestBackoff(t *testing.T) {
	for _, st := range strategies() {
		t.Run(fmt.Sprintf("%T", st), func(t *testing.T) {
			var c clock
			c.advance(time.Hour)
			s := selector.New(selector.Config{Strategy: st, Now: c.now, Rand: seeded(), MinBackoff: time.Second, MaxBackoff: 4 * time.Second})
			s.Update(nodes("a", "b", "c"))
			key := func(i int) string { return fmt.Sprint(i) }

			// Fail b through a pick: it is kept out.
			var picked selector.Picked
			for i := 0; picked.Node.ID != "b"; i++ {
				picked.Done(nil)
				picked, _ = s.Pick(key(i))
			}
			picked.Done(errors.New("connection refused"))
			if got := count(t, s, 300, key); got["b"] != 0 || got["a"] == 0 || got["c"] == 0 {
				t.Fatalf("while b is kept out: %v", got)
			}
			// After its back-off (1 s ±20%) it is picked again.
			c.advance(1300 * time.Millisecond)
			if got := count(t, s, 300, key); got["b"] == 0 {
				t.Fatalf("after the back-off b is still out: %v", got)
			}
			// Failures in a row double the back-off up to the cap.
			s.Report("b", errors.New("reset")) // 1 s ±20%
			c.advance(1300 * time.Millisecond)
			s.Report("b", errors.New("reset")) // 2 s ±20%
			s.Report("b", errors.New("reset")) // out already: not counted
			c.advance(1300 * time.Millisecond)
			if got := count(t, s, 300, key); got["b"] != 0 {
				t.Fatalf("b picked %d times 1.3 s into a 2 s back-off", got["b"])
			}
			c.advance(1200 * time.Millisecond)
			if got := count(t, s, 300, key); got["b"] == 0 {
				t.Fatalf("b still out after its second back-off: %v", got)
			}
			// Every node out: picks go on among all of them.
			for _, id := range []string{"a", "b", "c"} {
				s.Report(id, errors.New("down"))
			}
			if got := count(t, s, 300, key); len(got) == 0 {
				t.Fatal("no pick with every node out")
			}
			// A success clears the back-off.
			s.Report("a", nil)
			s.Report("b", nil)
			s.Report("c", nil)
			if got := count(t, s, 300, key); len(got) != 3 && fmt.Sprintf("%T", st) != "selector.ConsistentHash" {
				t.Fatalf("after the nodes recovered: %v", got)
			}
		})
	}
}

func TestFailedDecides(t *testing.T) {
	var c clock
	appErr := errors.New("application said no")
	s := selector.New(selector.Config{Now: c.now, Failed: func(err error) bool { return !errors.Is(err, appErr) }})
	s.Update(nodes("a", "b"))
	p, _ := s.Pick("")
	p.Done(appErr)
	if got := count(t, s, 10, nil); got["a"] != 5 || got["b"] != 5 {
		t.Fatalf("an application error kept a node out: %v", got)
	}
}

func TestUpdateKeepsState(t *testing.T) {
	var c clock
	s := selector.New(selector.Config{Now: c.now})
	s.Update(nodes("a", "b"))
	s.Report("a", errors.New("down"))
	ab := nodes("a", "b")
	s.Update([]discovery.Node{ab[1], ab[0], ab[0]}) // the same nodes, reordered, a duplicate
	if got := count(t, s, 10, nil); got["a"] != 0 || got["b"] != 10 {
		t.Fatalf("an Update with the same nodes forgot a's back-off: %v", got)
	}
	changed := nodes("a", "b")
	changed[0].Address = "127.0.0.1:1"
	s.Update(changed)
	if got := count(t, s, 10, nil); got["a"] != 5 {
		t.Fatalf("a node with a new address inherited the old back-off: %v", got)
	}
	if ns := s.Nodes(); len(ns) != 2 || ns[0].Address != "127.0.0.1:1" {
		t.Fatalf("Nodes = %+v", ns)
	}
	// Update copies: changing the caller's slice changes nothing.
	changed[0].Address = "elsewhere"
	if p, _ := s.Pick(""); p.Node.Address == "elsewhere" {
		t.Fatal("Update kept the caller's slice")
	}
}

func TestConcurrent(t *testing.T) {
	for _, st := range strategies() {
		s := selector.New(selector.Config{Strategy: st})
		s.Update(nodes("a", "b", "c"))
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 2000 {
					p, err := s.Pick(fmt.Sprint(i))
					if err != nil {
						t.Error(err)
						return
					}
					if i%7 == 0 {
						p.Done(errors.New("x"))
					} else {
						p.Done(nil)
					}
					if g == 0 && i%100 == 0 {
						s.Update(nodes("a", "b", "c", fmt.Sprint("n", i%3)))
					}
				}
			})
		}
		wg.Wait()
	}
}
