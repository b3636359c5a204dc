package selector

import (
	"slices"
	"strconv"
)

// DefaultReplicas is how many points on the ring a node of weight 1 gets
// when ConsistentHash.Replicas is zero.
const DefaultReplicas = 160

// ConsistentHash sends each key to the same node for as long as that node
// is in the set: a ring of points, Replicas × weight per node placed by a
// hash of the node's id, and a key goes to the first point at or after
// its own hash. Adding a node to n moves about 1/(n+1) of the keys, all of
// them to the new node; removing one moves only its keys. A node kept out
// passes its keys to the next node on the ring until it comes back.
// Pick's key chooses the node; the empty key is a key like any other.
type ConsistentHash struct {
	// Replicas is the number of points per unit of weight; zero means
	// DefaultReplicas. More points spread keys more evenly.
	Replicas int
}

type point struct {
	hash uint64
	node int32 // index in the node set
}

func (c ConsistentHash) newPicker(nodes []*nodeState) picker {
	r := c.Replicas
	if r <= 0 {
		r = DefaultReplicas
	}
	var ring []point
	var buf []byte
	for i, st := range nodes {
		for v := range r * st.weight {
			buf = append(append(buf[:0], st.node.ID...), '#')
			buf = strconv.AppendInt(buf, int64(v), 10)
			ring = append(ring, point{hash: hashString(string(buf)), node: int32(i)})
		}
	}
	slices.SortFunc(ring, func(a, b point) int {
		switch {
		case a.hash < b.hash:
			return -1
		case a.hash > b.hash:
			return 1
		}
		return int(a.node - b.node)
	})
	return &hashPicker{ring: ring}
}

type hashPicker struct{ ring []point }

func (p *hashPicker) pick(set *nodeSet, key string, all bool) int {
	h := hashString(key)
	start, _ := slices.BinarySearchFunc(p.ring, h, func(pt point, h uint64) int {
		switch {
		case pt.hash < h:
			return -1
		case pt.hash > h:
			return 1
		}
		return 0
	})
	g := gate{s: set.s, all: all}
	n := len(p.ring)
	tried := 0
	for j := range n {
		i := int(p.ring[(start+j)%n].node)
		if g.ok(set.nodes[i]) {
			return i
		}
		if tried++; tried > 4*len(set.nodes) && !all {
			// Many points of nodes kept out in a row: the rest of the
			// ring is unlikely to differ; fall back to every node.
			return scan(set, i, all)
		}
	}
	return -1
}

// hashString is 64-bit FNV-1a followed by a finaliser that spreads keys
// differing in their last bytes over the whole ring.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return mix(h)
}

func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb53a185ecab3
	h ^= h >> 33
	return h
}
