package metrics

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

// The code slots of a code count: one per code the rpc package defines
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

// codeOf returns the code of err as [rpc.CodeOf] does, without its
// allocation for the *rpc.Status a failed call returns.
func codeOf(err error) rpc.Code {
	if err == nil {
		return 0
	}
	if s, ok := err.(*rpc.Status); ok {
		return s.Code()
	}
	return rpc.CodeOf(err)
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

// The counters of one side of one method in one shard (a sideShard): the
// same layout for both sides, each using what it needs.
const (
	atPushesRead = iota              // pushes read (server)
	atTimeSum                        // nanoseconds observed by the duration histogram
	atOK                             // numResults slots: the calls, then the pushes, that succeeded
	atBuckets    = atOK + numResults // the duration histogram's buckets, one per bound, then +Inf; not cumulative
)

// The results a side counts by code: calls returned (client) or answered
// (server), and pushes sent (client) or handled (server).
const (
	resCalls = iota
	resPushes
	numResults
)

// sideShard is one shard of the counters of one side of a method, laid out
// as the at* constants say. It starts a cache line and ends one.
type sideShard []atomic.Uint64

// sideWords returns the length of a sideShard with nbuckets buckets, in
// whole cache lines.
func sideWords(nbuckets int) int { return roundUp(atBuckets + nbuckets) }

// failWords is the length of the failure counts of a method's two sides.
const failWords = 2 * numResults * numCodes

// sideCounts holds the counters of one side of a method. Successes, the
// common result, are counted in the shards; failures, by code, in one
// unstriped count per code: striping every code would cost 272 more
// bytes a shard, a method and a side, for results that are seldom as
// frequent as successes.
type sideCounts struct {
	shards []sideShard
	fails  []atomic.Uint64 // by result then code slot; slot 0, success, unused
}

// count counts a result with code in shard s.
func (sd *sideCounts) count(s sideShard, res int, code rpc.Code) {
	if code == 0 {
		s[atOK+res].Add(1)
		return
	}
	sd.fails[res*numCodes+codeSlot(code)].Add(1)
}

// codes fills c with the counts of res by code slot, summed over shards,
// and returns their total.
func (sd *sideCounts) codes(res int, c *[numCodes]uint64) (total uint64) {
	c[0] = sum(sd.shards, atOK+res)
	for i := 1; i < numCodes; i++ {
		c[i] = sd.fails[res*numCodes+i].Load()
	}
	for _, n := range c {
		total += n
	}
	return total
}

// observe counts d in the first bucket whose bound (in nanoseconds, in
// increasing order) is at least d, and adds it to the sum.
func (s sideShard) observe(bounds []int64, d time.Duration) {
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
	s[atBuckets+lo].Add(1)
	s[atTimeSum].Add(uint64(ns))
}

// sum returns the counter at slot summed over shards.
func sum(shards []sideShard, slot int) uint64 {
	var n uint64
	for _, s := range shards {
		n += s[slot].Load()
	}
	return n
}

// loadHistogram fills cum with the cumulative bucket counts, summed over
// shards, and returns the count: the buckets and the count come from one
// read of each bucket, so that a scrape racing observations still shows
// cumulative buckets whose +Inf equals the count.
func loadHistogram(shards []sideShard, cum []uint64) (count uint64) {
	clear(cum)
	for _, s := range shards {
		for i := range cum {
			cum[i] += s[atBuckets+i].Load()
		}
	}
	for i := range cum {
		count += cum[i]
		cum[i] = count
	}
	return count
}
