package metrics

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// OtherMethod is the method label of the calls and pushes whose method has
// no label of its own: those past [Config.MaxMethods], and those whose
// method does not begin with "/", is longer than 256 bytes or is not valid
// UTF-8. Every routed path begins with "/", so the label names no real
// method, and a peer calling "other" is counted under it too.
const OtherMethod = "other"

// maxMethodLen caps the length of a method that gets its own label, so that
// the labels a peer can make the plugin keep take at most MaxMethods times
// this many bytes.
const maxMethodLen = 256

// methodStats holds the counters of one method label, for each side. They
// sit in one block of whole cache lines: the failure counts, then per
// shard the client's and the server's sideShard.
type methodStats struct {
	client sideCounts // what the endpoint sent to the method
	server sideCounts // what it received for the method

	name  string // the method, or OtherMethod
	label string // name escaped as a label value
}

func newMethodStats(name string, shards, nbuckets int) *methodStats {
	st := &methodStats{name: name, label: escapeLabel(name)}
	fails, n := roundUp(failWords), sideWords(nbuckets)
	words := alignedCounters(fails + 2*shards*n)
	st.client.fails, st.server.fails = words[:failWords/2:failWords/2], words[failWords/2:failWords:failWords]
	for i := range shards {
		at := fails + 2*i*n
		st.client.shards = append(st.client.shards, sideShard(words[at:][:n:n]))
		st.server.shards = append(st.server.shards, sideShard(words[at+n:][:n:n]))
	}
	return st
}

// methodTable is one immutable version of the methods' labels.
type methodTable struct {
	byName map[string]*methodStats
	learnt int // methods counted against the cap (routes are not)
}

// methods maps methods to their counters. Lookups read the current table
// through an atomic pointer: no lock, no allocation. A method seen for the
// first time is added under mu to a copy of the table, which then replaces
// it; that happens at most MaxMethods times plus once per route. Once the
// cap is reached, full sends unknown methods to other without the lock.
type methods struct {
	max      int
	shards   int
	nbuckets int
	cur      atomic.Pointer[methodTable]
	full     atomic.Bool
	mu       sync.Mutex
	other    *methodStats
}

func (ms *methods) init(limit, shards, nbuckets int) {
	ms.max, ms.shards, ms.nbuckets = limit, shards, nbuckets
	ms.cur.Store(&methodTable{byName: map[string]*methodStats{}})
	ms.other = newMethodStats(OtherMethod, shards, nbuckets)
}

// get returns the counters of method. capped is true for the one lookup
// that found the table full first, so that the caller can say so once.
func (ms *methods) get(method string) (st *methodStats, capped bool) {
	if st := ms.cur.Load().byName[method]; st != nil {
		return st, false
	}
	return ms.learn(method, false)
}

// learn adds method to the table, unless it cannot be a label or, for a
// method that is not a route, the cap is reached: its counters are then
// other's.
func (ms *methods) learn(method string, route bool) (st *methodStats, capped bool) {
	if !labelable(method) || !route && ms.full.Load() {
		return ms.other, false
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	t := ms.cur.Load()
	if st := t.byName[method]; st != nil {
		return st, false
	}
	if !route && t.learnt >= ms.max {
		return ms.other, ms.full.CompareAndSwap(false, true)
	}
	nt := &methodTable{byName: make(map[string]*methodStats, len(t.byName)+1), learnt: t.learnt}
	maps.Copy(nt.byName, t.byName)
	method = strings.Clone(method) // keep no larger buffer the name may sit in
	st = newMethodStats(method, ms.shards, ms.nbuckets)
	nt.byName[method] = st
	if !route {
		nt.learnt++
	}
	ms.cur.Store(nt)
	return st, false
}

// labelable reports whether method may get a label of its own.
func labelable(method string) bool {
	return len(method) > 0 && len(method) <= maxMethodLen && method[0] == '/' && utf8.ValidString(method)
}

// list returns every method's counters sorted by method, other last.
func (ms *methods) list() []*methodStats {
	t := ms.cur.Load()
	l := slices.SortedFunc(maps.Values(t.byName), func(a, b *methodStats) int { return cmp.Compare(a.name, b.name) })
	return append(l, ms.other)
}

// len returns the number of method labels, other not included.
func (ms *methods) len() int { return len(ms.cur.Load().byName) }
