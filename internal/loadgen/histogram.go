package loadgen

import (
	"math/bits"
	"time"
)

// subBits is the number of significant bits a bucket keeps: values are
// exact below 2^subBits ns and within 1/2^(subBits-1) above.
const subBits = 8

// maxExp bounds the values recorded: up to 2^(maxExp+subBits) ns (~2.2
// hours); larger ones count in the last bucket.
const maxExp = 36

// Histogram counts durations in log-linear buckets: exact below 256 ns,
// then 128 buckets per power of two, so any quantile is within 0.8% of
// the true value. The zero value is ready to use; it is not safe for
// concurrent use (give each goroutine its own and Merge them).
type Histogram struct {
	counts []uint32
	n      int64
	sum    time.Duration
	max    time.Duration
}

// index returns the bucket of v nanoseconds.
func index(v uint64) int {
	if v < 1<<subBits {
		return int(v)
	}
	e := bits.Len64(v) - subBits // v >> e is in [2^(subBits-1), 2^subBits)
	if e > maxExp {
		return bucketCount - 1
	}
	return 1<<subBits + (e-1)<<(subBits-1) + int(v>>e) - 1<<(subBits-1)
}

// lowest returns the smallest value of bucket i.
func lowest(i int) uint64 {
	if i < 1<<subBits {
		return uint64(i)
	}
	i -= 1 << subBits
	e := i>>(subBits-1) + 1
	sub := uint64(i&(1<<(subBits-1)-1)) + 1<<(subBits-1)
	return sub << e
}

const bucketCount = 1<<subBits + maxExp<<(subBits-1)

// Record counts one duration; a negative one counts as zero.
func (h *Histogram) Record(d time.Duration) {
	if h.counts == nil {
		h.counts = make([]uint32, bucketCount)
	}
	d = max(d, 0)
	h.counts[index(uint64(d))]++
	h.n++
	h.sum += d
	h.max = max(h.max, d)
}

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	if h.counts == nil {
		h.counts = make([]uint32, bucketCount)
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// Count returns the number of durations recorded.
func (h *Histogram) Count() int64 { return h.n }

// Mean returns the average duration, or 0.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

// Max returns the largest duration recorded.
func (h *Histogram) Max() time.Duration { return h.max }

// Quantile returns the duration below which a share q (0 to 1) of the
// durations fall: the middle of its bucket, or the maximum for q = 1.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	if q >= 1 {
		return h.max
	}
	rank := int64(q*float64(h.n)) + 1
	var seen int64
	for i, c := range h.counts {
		seen += int64(c)
		if seen >= rank {
			lo, hi := lowest(i), lowest(i+1)
			if i+1 >= bucketCount {
				hi = lo
			}
			return min(time.Duration(lo+(hi-lo)/2), h.max)
		}
	}
	return h.max
}
