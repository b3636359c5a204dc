package metrics

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/dmicro-go/dmicro/rpc"
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

// The code slots of a [codeCounts]: one per code the rpc package defines
// (0, success, included), then one for every other code.
const (
	lastCode  = rpc.CodeInvalidArgument
	otherCode = int(lastCode) + 1
	numCodes  = otherCode + 1
)

// codeSlot returns the slot that counts c.
func codeSlot(c rpc.Code) int {
	if c >= 0 && c <= lastCode {
		return int(c)
	}
	return otherCode
}

// codeLabel returns the code label of slot i: "ok" for success, the code's
// name with underscores for spaces ("not_found"), or "other".
func codeLabel(i int) string {
	switch i {
	case 0:
		return "ok"
	case otherCode:
		return "other"
	}
	return strings.ReplaceAll(rpc.Code(i).String(), " ", "_")
}

// codeCounts counts results by code.
type codeCounts [numCodes]atomic.Uint64

func (c *codeCounts) add(code rpc.Code) { c[codeSlot(code)].Add(1) }

// total returns the sum of the counts.
func (c *codeCounts) total() uint64 {
	var n uint64
	for i := range c {
		n += c[i].Load()
	}
	return n
}

// histogram counts durations in buckets. Each observation adds one to one
// bucket and its nanoseconds to a sum kept beside the other counters the
// same call updates (see methodStats); the count is the buckets' total,
// read from the same snapshot as the buckets, so that a scrape racing
// observations still shows cumulative buckets whose +Inf equals the count.
type histogram []atomic.Uint64 // one per bound, then +Inf; not cumulative

// observe counts d in the first bucket whose bound (in nanoseconds, in
// increasing order) is at least d, and adds d to sum.
func (h histogram) observe(bounds []int64, sum *atomic.Uint64, d time.Duration) {
	ns := max(int64(d), 0)
	lo, hi := 0, len(bounds)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if bounds[mid] < ns {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	h[lo].Add(1)
	sum.Add(uint64(ns))
}

// load fills cum with the cumulative bucket counts and returns the count.
func (h histogram) load(cum []uint64) (count uint64) {
	for i := range h {
		count += h[i].Load()
		cum[i] = count
	}
	return count
}

// clientStats counts what an endpoint sent to one method. A call updates
// the first five fields (and a bucket), which share a cache line: the
// fewer lines a call writes, the fewer bounce between cores under load.
type clientStats struct {
	started atomic.Uint64 // calls sent; minus those returned, in flight
	callOut atomic.Uint64 // body bytes of the calls
	replyIn atomic.Uint64 // body bytes of their replies
	timeSum atomic.Uint64 // nanoseconds, of time
	calls   codeCounts    // calls returned, by result (ok first)
	pushes  codeCounts    // pushes sent, by the result of sending
	pushOut atomic.Uint64 // body bytes of the pushes
	time    histogram     // call duration, send to reply decoded
}

// serverStats counts what an endpoint received for one method; a call
// updates the first six fields (and a bucket), in one cache line.
type serverStats struct {
	started    atomic.Uint64 // calls read
	finished   atomic.Uint64 // calls done, replied or not: started minus finished are in flight
	callIn     atomic.Uint64 // body bytes of the calls
	replyOut   atomic.Uint64 // body bytes of their replies
	timeSum    atomic.Uint64 // nanoseconds, of time
	calls      codeCounts    // replies written, by code (ok first)
	pushesRead atomic.Uint64 // pushes read
	pushIn     atomic.Uint64 // body bytes of the pushes
	pushes     codeCounts    // pushes whose handler ran, by its result
	time       histogram     // read to reply written
}

// methodStats holds the counters of one method label. The struct's size
// class keeps it 64-byte aligned (as Go allocates 800-odd bytes), and the
// padding starts the server side on a line of its own, so that each side's
// first line holds what a call updates.
type methodStats struct {
	client clientStats
	_      [(64 - unsafe.Sizeof(clientStats{})%64) % 64]byte
	server serverStats

	name  string // the method, or OtherMethod
	label string // name escaped as a label value
}

func newMethodStats(name string, nbuckets int) *methodStats {
	st := &methodStats{name: name, label: escapeLabel(name)}
	buckets := make([]atomic.Uint64, 2*nbuckets)
	st.client.time, st.server.time = buckets[:nbuckets:nbuckets], buckets[nbuckets:]
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
	nbuckets int
	cur      atomic.Pointer[methodTable]
	full     atomic.Bool
	mu       sync.Mutex
	other    *methodStats
}

func (ms *methods) init(limit, nbuckets int) {
	ms.max, ms.nbuckets = limit, nbuckets
	ms.cur.Store(&methodTable{byName: map[string]*methodStats{}})
	ms.other = newMethodStats(OtherMethod, nbuckets)
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
	st = newMethodStats(method, ms.nbuckets)
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
