package metrics

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// The counters a call updates are striped when there are enough Ps (the
// scheduler's processors, GOMAXPROCS): each is kept in a few copies,
// shards, which a scrape adds up. A hook adds to the shard of the P it
// runs on, and a shard's counters fill cache lines of their own, so that
// under load each core adds to lines in its own cache instead of taking
// them from the other cores' at every call.

// lineWords is how many counters fill a 64-byte cache line.
const lineWords = 8

// maxShards caps the shards, which cost memory per method.
const maxShards = 8

// minStriped is the least GOMAXPROCS at which counters are striped. With
// fewer Ps, picking a shard (a sync.Pool's Get and Put at every hook)
// costs more than the Ps' sharing lines: on a 2-vCPU VM, at 64 concurrent
// calls, the hooks took 0.7 to 1.1% more of the process's CPU striped than
// not (CPU profiles). The more cores share a line, the longer each
// addition waits for it.
const minStriped = 4

// numShards returns how many shards to keep: one per P, at most maxShards,
// or one when the Ps are fewer than minStriped.
func numShards() int {
	if n := runtime.GOMAXPROCS(0); n >= minStriped {
		return min(n, maxShards)
	}
	return 1
}

// alignedCounters returns n zero counters, the first at the start of a
// cache line. n should be a multiple of lineWords, so that the last line
// is theirs too.
func alignedCounters(n int) []atomic.Uint64 {
	s := make([]atomic.Uint64, n+lineWords-1)
	skip := (lineWords - int(uintptr(unsafe.Pointer(&s[0]))/8%lineWords)) % lineWords
	return s[skip : skip+n : skip+n]
}

// roundUp returns n rounded up to whole cache lines of counters.
func roundUp(n int) int { return (n + lineWords - 1) / lineWords * lineWords }

// A shard's line of Metrics.hot holds its owner's mark.
const (
	hotOwner = iota // the mark of the token that last claimed the shard
	hotWords
)

// The endpoint-wide counters of a shard fit its line.
var _ [lineWords - hotWords]struct{}

// maxTokens is how many tokens a shardPicker has: more than the Ps that
// hold one at a time, so that a token is seldom in two Ps' pools at once.
const maxTokens = 4 * maxShards

// shardPicker picks the shard a hook adds to, with affinity to the P it
// runs on. A token, which names a shard, lives in a sync.Pool, whose Get
// and Put use a slot of the current P's: a P keeps taking the token it
// put back. The pool's New hands out the tokens of a fixed set round
// robin (at first, and after the garbage collector emptied the pool), so
// that taking one allocates nothing. A token claims its shard by writing
// its mark in the shard's owner slot; a token that finds another's mark
// there shares the shard with another P, and moves, now and then, to a
// shard picked at random. So the Ps spread over the shards, one each
// while there are enough.
type shardPicker struct {
	pool   sync.Pool
	tokens []shardToken
	next   atomic.Uint32
	owners []atomic.Uint64 // lines of hotWords, with the owner at hotOwner
	n      int
}

// shardToken is a P's claim to a shard, and its cache of a method
// lookup. Each fills a cache line: a token's holder writes it.
type shardToken struct {
	mark  uint64                      // tells tokens apart in an owner slot; never 0
	shard atomic.Int32                // the shard claimed; changed by the token's holder
	last  atomic.Pointer[methodStats] // the counters its holder looked up last
	_     [64 - 24]byte
}

// A token fills a cache line.
var _ [64 - unsafe.Sizeof(shardToken{})]struct{}

// init makes p pick among n shards, whose owner slots are in owners.
func (p *shardPicker) init(n int, owners []atomic.Uint64) {
	p.n, p.owners = n, owners
	p.tokens = make([]shardToken, maxTokens)
	for i := range p.tokens {
		p.tokens[i].mark = uint64(i + 1)
		p.tokens[i].shard.Store(int32(i % n))
	}
	p.pool.New = func() any { return &p.tokens[int(p.next.Add(1)-1)%maxTokens] }
}

// get returns a token and the shard to add to, which holds while the
// token is held; put gives the token back.
func (p *shardPicker) get() (*shardToken, int) {
	if p.n == 1 {
		return &p.tokens[0], 0
	}
	t := p.pool.Get().(*shardToken)
	return t, p.shard(t)
}

// shard returns the shard of t, which its holder is to add to.
func (p *shardPicker) shard(t *shardToken) int {
	id := int(t.shard.Load())
	if owner := &p.owners[id*lineWords+hotOwner]; owner.Load() != t.mark {
		id = p.claim(t, id, owner)
	}
	return id
}

func (p *shardPicker) put(t *shardToken) {
	if p.n > 1 {
		p.pool.Put(t)
	}
}

// claim makes t's shard id, whose owner slot shows another mark than
// t's, its own: at once if no token has claimed it yet, else by moving
// t, one time in eight, to a shard picked at random. Moving seldom keeps
// two Ps that share a shard from moving together forever, and Ps that
// outnumber the shards from moving at every call. It returns t's shard.
func (p *shardPicker) claim(t *shardToken, id int, owner *atomic.Uint64) int {
	if owner.Load() != 0 {
		if rand.Uint32()%8 != 0 {
			return id
		}
		id = rand.IntN(p.n)
		t.shard.Store(int32(id))
		owner = &p.owners[id*lineWords+hotOwner]
	}
	owner.Store(t.mark)
	return id
}
