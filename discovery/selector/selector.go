package selector

import (
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/internal/backoff"
)

// ErrNoNodes is returned by Pick when the selector holds no node.
var ErrNoNodes = errors.New("selector: no node to pick")

// Defaults of [Config].
const (
	DefaultMinBackoff = time.Second
	DefaultMaxBackoff = 30 * time.Second
)

// Config tunes a [Selector]; the zero value works (round robin, back-off
// from 1 s to 30 s, every error a failure).
type Config struct {
	// Strategy chooses among the nodes; nil means RoundRobin{}.
	Strategy Strategy
	// MinBackoff is how long a node is kept out after its first failure;
	// each further failure in a row doubles it up to MaxBackoff, and each
	// delay is moved at random by up to ±20% so that clients do not come
	// back in step. Zero means DefaultMinBackoff, DefaultMaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// Failed reports whether a call's error says the node failed (refused,
	// reset, timed out) rather than the call (an application status). Nil
	// means every non-nil error is a failure.
	Failed func(err error) bool
	// Now is the clock for back-off; nil means time.Now. Tests set it.
	Now func() time.Time
	// Rand is the randomness of Random and P2C; nil means the runtime's
	// (fast, safe for concurrent use). A Source given here is used under a
	// lock: tests set a seeded one to make picks repeatable.
	Rand rand.Source
}

// Selector picks a node for each call from the set given to Update, by its
// Strategy, keeping out for a back-off time the nodes whose calls failed.
// When every node is kept out it picks among all of them anyway: a call is
// then the only probe left, and a node marked down by mistake must not stop
// all traffic.
//
// A Selector is safe for concurrent use: Update replaces the node set
// atomically while Pick runs, and a Pick allocates nothing.
type Selector struct {
	strategy Strategy
	policy   backoff.Policy
	failed   func(error) bool
	now      func() time.Time
	src      rand.Source
	randMu   sync.Mutex

	mu  sync.Mutex // serialises Update
	set atomic.Pointer[nodeSet]
}

// New returns a Selector with no node: Pick fails with ErrNoNodes until
// Update gives it some.
func New(cfg Config) *Selector {
	s := &Selector{strategy: cfg.Strategy, failed: cfg.Failed, now: cfg.Now, src: cfg.Rand}
	if s.strategy == nil {
		s.strategy = RoundRobin{}
	}
	if s.failed == nil {
		s.failed = func(err error) bool { return err != nil }
	}
	if s.now == nil {
		s.now = time.Now
	}
	lo, hi := cfg.MinBackoff, cfg.MaxBackoff
	if lo <= 0 {
		lo = DefaultMinBackoff
	}
	if hi <= 0 {
		hi = max(DefaultMaxBackoff, lo)
	}
	s.policy = backoff.Policy{Min: lo, Max: max(lo, hi), Multiplier: 2, Jitter: 0.2}
	return s
}

// nodeState is one node and what the selector knows of it. It lives as long
// as the node stays unchanged across Updates, so that a Picked taken before
// an Update still reports to the right counters.
type nodeState struct {
	node     discovery.Node
	weight   int          // node.Weight, 1 when zero
	inflight atomic.Int64 // picked and not yet Done
	failures atomic.Int32 // failures in a row
	until    atomic.Int64 // kept out before this time (UnixNano); 0: never failed
}

// nodeSet is an immutable snapshot of the nodes, sorted by id, with the
// strategy's state for them.
type nodeSet struct {
	s      *Selector
	nodes  []*nodeState
	picker picker
}

// Update replaces the node set (a node id given twice keeps its first
// entry). A node that comes back unchanged keeps its in-flight count and
// back-off; a changed one starts afresh. Update copies what it keeps: the
// caller may reuse nodes.
func (s *Selector) Update(nodes []discovery.Node) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := map[string]*nodeState{}
	if cur := s.set.Load(); cur != nil {
		for _, st := range cur.nodes {
			old[st.node.ID] = st
		}
	}
	set := &nodeSet{s: s, nodes: make([]*nodeState, 0, len(nodes))}
	seen := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		if seen[n.ID] {
			continue
		}
		seen[n.ID] = true
		if st := old[n.ID]; st != nil && sameNode(st.node, n) {
			set.nodes = append(set.nodes, st)
			continue
		}
		svc := discovery.Service{Nodes: []discovery.Node{n}}.Clone()
		st := &nodeState{node: svc.Nodes[0], weight: max(n.Weight, 1)}
		set.nodes = append(set.nodes, st)
	}
	slices.SortFunc(set.nodes, func(a, b *nodeState) int { return strings.Compare(a.node.ID, b.node.ID) })
	set.picker = s.strategy.newPicker(set.nodes)
	s.set.Store(set)
}

func sameNode(a, b discovery.Node) bool {
	if a.ID != b.ID || a.Address != b.Address || a.Weight != b.Weight || len(a.Metadata) != len(b.Metadata) {
		return false
	}
	for k, v := range a.Metadata {
		if w, ok := b.Metadata[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Nodes returns a copy of the current node set, sorted by id.
func (s *Selector) Nodes() []discovery.Node {
	set := s.set.Load()
	if set == nil {
		return nil
	}
	out := make([]discovery.Node, len(set.nodes))
	for i, st := range set.nodes {
		out[i] = st.node
	}
	return discovery.Service{Nodes: out}.Clone().Nodes
}

// Pick chooses a node for one call; key matters to ConsistentHash only.
// The caller must call the result's Done exactly once when the call ends.
// With no node the error is ErrNoNodes.
func (s *Selector) Pick(key string) (Picked, error) {
	set := s.set.Load()
	if set == nil || len(set.nodes) == 0 {
		return Picked{}, ErrNoNodes
	}
	i := set.picker.pick(set, key, false)
	if i < 0 { // every node is kept out: pick among all
		i = set.picker.pick(set, key, true)
	}
	st := set.nodes[i]
	st.inflight.Add(1)
	return Picked{Node: st.node, s: s, st: st}, nil
}

// Report tells the selector of an outcome on the node of that id outside a
// Pick (a failed dial, a connection that broke): a failure keeps the node
// out, nil clears its back-off. An id not in the set is ignored.
func (s *Selector) Report(nodeID string, err error) {
	set := s.set.Load()
	if set == nil {
		return
	}
	i, ok := slices.BinarySearchFunc(set.nodes, nodeID, func(st *nodeState, id string) int { return strings.Compare(st.node.ID, id) })
	if ok {
		s.report(set.nodes[i], err)
	}
}

func (s *Selector) report(st *nodeState, err error) {
	if err == nil || !s.failed(err) {
		if st.until.Load() != 0 {
			st.failures.Store(0)
			st.until.Store(0)
		}
		return
	}
	now := s.now()
	if st.until.Load() > now.UnixNano() {
		return // out already: calls that were in flight when it failed
	}
	n := st.failures.Add(1)
	st.until.Store(now.Add(s.policy.Delay(int(n))).UnixNano())
}

// Picked is the node Pick chose. Its Done reports the call's outcome.
type Picked struct {
	// Node is the node to call; its Metadata is shared: read it only.
	Node discovery.Node
	s    *Selector
	st   *nodeState
}

// Done ends the call Pick was for: err is its outcome, nil for a call the
// node answered (also with an application error, unless Config.Failed
// says otherwise). A failure keeps the node out for its back-off; a
// success after a failure clears it. Done on a zero Picked does nothing.
func (p Picked) Done(err error) {
	if p.st == nil {
		return
	}
	p.st.inflight.Add(-1)
	p.s.report(p.st, err)
}

// String names the picked node, for logs.
func (p Picked) String() string { return fmt.Sprintf("%s (%s)", p.Node.ID, p.Node.Address) }

// rand returns a uniform number in [0, n).
func (s *Selector) rand(n int) int {
	var r uint64
	if s.src != nil {
		s.randMu.Lock()
		r = s.src.Uint64()
		s.randMu.Unlock()
	} else {
		r = rand.Uint64()
	}
	hi, _ := bits.Mul64(r, uint64(n))
	return int(hi)
}

// gate tells whether a node may be picked now; it reads the clock at most
// once per pick, and only when some node has failed.
type gate struct {
	s   *Selector
	all bool
	now int64
}

func (g *gate) ok(st *nodeState) bool {
	if g.all {
		return true
	}
	u := st.until.Load()
	if u == 0 {
		return true
	}
	if g.now == 0 {
		g.now = g.s.now().UnixNano()
	}
	return u <= g.now
}
