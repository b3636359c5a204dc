package metrics

import (
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestMethodLabels checks which methods get a label, the cap, and that
// routes pass it.
func TestMethodLabels(t *testing.T) {
	var ms methods
	ms.init(2, 1)
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

func TestHistogram(t *testing.T) {
	bounds := []int64{10, 20, 30}
	h := make(histogram, 4)
	var sumNanos atomic.Uint64
	for _, d := range []time.Duration{-5, 0, 10, 11, 20, 30, 31, time.Hour} {
		h.observe(bounds, &sumNanos, d)
	}
	cum := make([]uint64, 4)
	count, sum := h.load(cum), float64(sumNanos.Load())/1e9
	if want := []uint64{3, 5, 6, 8}; count != 8 || !slices.Equal(cum, want) {
		t.Errorf("buckets %v, count %d; want %v, 8", cum, count, want)
	}
	if want := float64(10+11+20+30+31+time.Hour) / 1e9; sum != want {
		t.Errorf("sum %v, want %v", sum, want)
	}
}
