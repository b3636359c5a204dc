package metrics

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMethodLabels checks which methods get a label, the cap, and that
// routes pass it.
func TestMethodLabels(t *testing.T) {
	var ms methods
	ms.init(2, 2, 1)
	for _, m := range []string{"", "other", "math/add", "/bad\xffutf8", "/" + strings.Repeat("x", maxMethodLen)} {
		if st, capped := ms.get(m); st != ms.other || capped {
			t.Errorf("%q: got a label of its own (%q), or said capped", m, st.name)
		}
	}
	a, _ := ms.get("/a")
	if a == ms.other || a.name != "/a" {
		t.Fatalf("/a: %q", a.name)
	}
	if again, _ := ms.get("/a"); again != a {
		t.Error("/a looked up again: other counters")
	}
	if b, capped := ms.get("/" + strings.Repeat("b", maxMethodLen-1)); b == ms.other || capped {
		t.Error("a method of the longest length got no label")
	}
	c, capped := ms.get("/c")
	if c != ms.other || !capped {
		t.Errorf("/c past the cap: %q, capped %v; want other, capped", c.name, capped)
	}
	if _, capped := ms.get("/d"); capped {
		t.Error("the cap was reported twice")
	}
	r, _ := ms.learn("/route", true)
	if r == ms.other {
		t.Error("a route past the cap got no label")
	}
	if got, _ := ms.get("/route"); got != r {
		t.Error("a route's label is not found")
	}
	if n := ms.len(); n != 3 {
		t.Errorf("%d labels, want 3", n)
	}
	l := ms.list()
	if len(l) != 4 || l[0].name != "/a" || l[2].name != "/route" || l[3] != ms.other {
		t.Errorf("list: %v", l)
	}
}

// TestHistogram checks the buckets, count and sum of a histogram whose
// observations went to different shards.
func TestHistogram(t *testing.T) {
	bounds := []int64{10, 20, 30}
	st := newMethodStats("/h", 3, len(bounds)+1)
	for i, d := range []time.Duration{-5, 0, 10, 11, 20, 30, 31, time.Hour} {
		st.server.shards[i%3].observe(bounds, d)
	}
	cum := make([]uint64, 4)
	count, sum := loadHistogram(st.server.shards, cum), float64(sum(st.server.shards, atTimeSum))/1e9
	if want := []uint64{3, 5, 6, 8}; count != 8 || !slices.Equal(cum, want) {
		t.Errorf("buckets %v, count %d; want %v, 8", cum, count, want)
	}
	if want := float64(10+11+20+30+31+time.Hour) / 1e9; sum != want {
		t.Errorf("sum %v, want %v", sum, want)
	}
	if n := loadHistogram(st.client.shards, cum); n != 0 {
		t.Errorf("the client side counted %d", n)
	}
}

// TestStatsCache checks the lookup through a token's cache of a method:
// the answers are the table's, whatever the order.
func TestStatsCache(t *testing.T) {
	mt := newMetrics(t, Config{MaxMethods: 1})
	tok := &mt.shards.tokens[0]
	for i, c := range []struct {
		method, label string
		capped        bool
	}{
		{"/a", "/a", false},
		{"/a", "/a", false},
		{"/b", OtherMethod, true},
		{"/b", OtherMethod, false},
		{OtherMethod, OtherMethod, false},
		{"/c", OtherMethod, false},
		{"/a", "/a", false},
	} {
		st, capped := mt.stats(tok, c.method)
		if st.name != c.label || capped != c.capped {
			t.Errorf("%d: %s counted as %s, capped %v; want %s, %v", i, c.method, st.name, capped, c.label, c.capped)
		}
		// The cache takes one answer in eight; until then, and after, the
		// answer is the same.
		for n := 0; tok.last.Load() != st; n++ {
			if again, capped := mt.stats(tok, c.method); again != st || capped {
				t.Fatalf("%d: %s looked up again: %s, capped %v", i, c.method, again.name, capped)
			}
			if n == 1000 {
				t.Fatalf("%d: %s never cached", i, c.method)
			}
		}
		if again, capped := mt.stats(tok, c.method); again != st || capped {
			t.Errorf("%d: %s from the cache: %s, capped %v", i, c.method, again.name, capped)
		}
	}
}
