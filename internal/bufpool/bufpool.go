// Package bufpool keeps byte slices in power-of-two size classes so that
// frames on the call path are read and written without allocating.
package bufpool

import (
	"math/bits"
	"sync"
)

const (
	minShift = 9  // 512 B, the smallest class
	maxShift = 23 // 8 MiB, the largest pooled class
)

var pools [maxShift - minShift + 1]sync.Pool

// class returns the index of the smallest class holding n bytes, or -1 when
// n is larger than any class.
func class(n int) int {
	if n <= 1<<minShift {
		return 0
	}
	s := bits.Len(uint(n - 1))
	if s > maxShift {
		return -1
	}
	return s - minShift
}

// Get returns a slice of length n. Its capacity may be larger. Give it back
// with [Put] once nothing refers to it any more.
func Get(n int) *[]byte {
	c := class(n)
	if c < 0 {
		b := make([]byte, n)
		return &b
	}
	if v := pools[c].Get(); v != nil {
		b := v.(*[]byte)
		*b = (*b)[:n]
		return b
	}
	b := make([]byte, n, 1<<(c+minShift))
	return &b
}

// Put gives b back to the pool. Slices whose capacity is not exactly a class
// size (grown by append, or too large) are left to the garbage collector.
func Put(b *[]byte) {
	if b == nil {
		return
	}
	c := cap(*b)
	if c < 1<<minShift || c > 1<<maxShift || c&(c-1) != 0 {
		return
	}
	*b = (*b)[:0]
	pools[bits.Len(uint(c))-1-minShift].Put(b)
}
