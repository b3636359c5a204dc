package selector

import (
	"slices"
	"sync"
	"sync/atomic"
)

// Strategy is how a [Selector] chooses among the nodes that are not kept
// out: [Random], [RoundRobin], [SmoothWeighted], [P2C] or
// [ConsistentHash]. Strategies are values; each Selector keeps its own
// state for its own, so one value may serve many selectors.
type Strategy interface {
	// newPicker builds the strategy's state for a node set (sorted by id).
	newPicker(nodes []*nodeState) picker
}

// picker chooses the index of a node in set; it skips nodes kept out
// unless all is true, and returns -1 when no node may be picked.
type picker interface {
	pick(set *nodeSet, key string, all bool) int
}

// RoundRobin takes the nodes in turn, by id, ignoring weights; a node kept
// out is passed over.
type RoundRobin struct{}

func (RoundRobin) newPicker([]*nodeState) picker { return &rrPicker{} }

type rrPicker struct{ next atomic.Uint64 }

func (p *rrPicker) pick(set *nodeSet, _ string, all bool) int {
	n := uint64(len(set.nodes))
	start := p.next.Add(1) - 1
	g := gate{s: set.s, all: all}
	for j := range n {
		i := int((start + j) % n)
		if g.ok(set.nodes[i]) {
			if j > 0 {
				// Move the turn past the nodes skipped, so that the node
				// after a failed one does not get its share too.
				p.next.CompareAndSwap(start+1, start+j+1)
			}
			return i
		}
	}
	return -1
}

// Random picks a node at random with a probability proportional to its
// weight. A node kept out gives its draw to the next node by id.
type Random struct{}

func (Random) newPicker(nodes []*nodeState) picker {
	p := &randomPicker{sums: make([]int, len(nodes))}
	total := 0
	for i, st := range nodes {
		total += st.weight
		p.sums[i] = total
	}
	return p
}

type randomPicker struct{ sums []int } // running totals of the weights

func (p *randomPicker) pick(set *nodeSet, _ string, all bool) int {
	r := set.s.rand(p.sums[len(p.sums)-1])
	i, found := slices.BinarySearch(p.sums, r)
	if found {
		i++ // sums[i] == r: r belongs to the next node
	}
	return scan(set, i, all)
}

// scan returns the first node from start on (wrapping) that may be picked.
func scan(set *nodeSet, start int, all bool) int {
	g := gate{s: set.s, all: all}
	n := len(set.nodes)
	for j := range n {
		if i := (start + j) % n; g.ok(set.nodes[i]) {
			return i
		}
	}
	return -1
}

// SmoothWeighted is nginx's smooth weighted round robin: over a cycle of
// the weights' sum, each node is picked its weight's number of times, and
// the picks of a heavy node are spread out (weights 5, 1, 1 give
// a a b a c a a). A node kept out sits the rounds out.
type SmoothWeighted struct{}

func (SmoothWeighted) newPicker(nodes []*nodeState) picker {
	return &swPicker{current: make([]int, len(nodes))}
}

type swPicker struct {
	mu      sync.Mutex
	current []int
}

func (p *swPicker) pick(set *nodeSet, _ string, all bool) int {
	g := gate{s: set.s, all: all}
	p.mu.Lock()
	defer p.mu.Unlock()
	best, total := -1, 0
	for i, st := range set.nodes {
		if !g.ok(st) {
			continue
		}
		p.current[i] += st.weight
		total += st.weight
		if best < 0 || p.current[i] > p.current[best] {
			best = i
		}
	}
	if best >= 0 {
		p.current[best] -= total
	}
	return best
}

// P2C is the power of two choices: it draws two distinct nodes at random
// and takes the one with fewer calls in flight for its weight (in flight ÷
// weight, ties to the first drawn). It steers calls away from a slow node
// without the cost of scanning every node.
type P2C struct{}

func (P2C) newPicker([]*nodeState) picker { return p2cPicker{} }

type p2cPicker struct{}

func (p2cPicker) pick(set *nodeSet, _ string, all bool) int {
	n := len(set.nodes)
	g := gate{s: set.s, all: all}
	if n == 1 {
		if g.ok(set.nodes[0]) {
			return 0
		}
		return -1
	}
	a := set.s.rand(n)
	b := set.s.rand(n - 1)
	if b >= a {
		b++
	}
	na, nb := set.nodes[a], set.nodes[b]
	okA, okB := g.ok(na), g.ok(nb)
	switch {
	case okA && okB:
		// a's load a.inflight/a.weight against b's, without division.
		if nb.inflight.Load()*int64(na.weight) < na.inflight.Load()*int64(nb.weight) {
			return b
		}
		return a
	case okA:
		return a
	case okB:
		return b
	}
	return scan(set, b, all)
}
