package loadgen

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestIndexIsMonotonicAndTight(t *testing.T) {
	prev := -1
	for v := uint64(0); v < 1<<20; v++ {
		i := index(v)
		if i < prev {
			t.Fatalf("index(%d) = %d < index(%d) = %d", v, i, v-1, prev)
		}
		if lo := lowest(i); lo > v || (i+1 < bucketCount && lowest(i+1) <= v) {
			t.Fatalf("%d is not in bucket %d [%d, %d)", v, i, lo, lowest(i+1))
		}
		prev = i
	}
	for _, v := range []uint64{1 << 30, 1<<40 + 12345, 1 << 43} {
		if lo, hi := lowest(index(v)), lowest(index(v)+1); lo > v || hi <= v {
			t.Fatalf("%d is not in bucket [%d, %d)", v, lo, hi)
		}
	}
	if index(1<<62) != bucketCount-1 {
		t.Fatal("a huge value is not in the last bucket")
	}
}

// TestQuantilesWithinOnePercent compares the histogram's quantiles with
// exact ones over a long-tailed sample.
func TestQuantilesWithinOnePercent(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h, a, b Histogram
	var all []time.Duration
	for i := range 200000 {
		d := time.Duration(20000 + r.ExpFloat64()*50000) // ~20 µs + a long tail
		all = append(all, d)
		if i%2 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	h.Merge(&a)
	h.Merge(&b)
	slices.Sort(all)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := all[int(q*float64(len(all)))]
		got := h.Quantile(q)
		if diff := float64(got-exact) / float64(exact); diff > 0.01 || diff < -0.01 {
			t.Errorf("q%v = %v, exact %v", q, got, exact)
		}
	}
	if h.Count() != int64(len(all)) || h.Max() != all[len(all)-1] || h.Quantile(1) != h.Max() {
		t.Fatalf("count %d max %v", h.Count(), h.Max())
	}
	var sum time.Duration
	for _, d := range all {
		sum += d
	}
	if h.Mean() != sum/time.Duration(len(all)) {
		t.Fatalf("mean %v, want %v", h.Mean(), sum/time.Duration(len(all)))
	}
	var empty Histogram
	if empty.Quantile(0.5) != 0 || empty.Mean() != 0 {
		t.Fatal("an empty histogram has a quantile")
	}
}
