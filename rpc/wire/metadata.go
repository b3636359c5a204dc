package wire

import (
	"fmt"
	"slices"
)

// Metadata holds the key/value pairs a message carries. Keys are
// case-sensitive. Set keeps a key unique; a decoded message may repeat one,
// and then Get returns the first value. The zero value is empty and ready
// to use. Metadata keeps its pairs in a slice, so a message without metadata
// costs nothing and a few pairs cost no map. It is not safe for concurrent use.
type Metadata struct {
	kv []string // key0, value0, key1, value1, ...
}

// Get returns the value of key, or "" when it is absent.
func (md *Metadata) Get(key string) string {
	v, _ := md.Lookup(key)
	return v
}

// Lookup returns the value of key and whether it is present.
func (md *Metadata) Lookup(key string) (string, bool) {
	for i := 0; i < len(md.kv); i += 2 {
		if md.kv[i] == key {
			return md.kv[i+1], true
		}
	}
	return "", false
}

// Set sets key to value, replacing any earlier value.
func (md *Metadata) Set(key, value string) {
	for i := 0; i < len(md.kv); i += 2 {
		if md.kv[i] == key {
			md.kv[i+1] = value
			return
		}
	}
	md.kv = append(md.kv, key, value)
}

// Del removes key.
func (md *Metadata) Del(key string) {
	for i := 0; i < len(md.kv); i += 2 {
		if md.kv[i] == key {
			md.kv = append(md.kv[:i], md.kv[i+2:]...)
			return
		}
	}
}

// Len returns the number of pairs.
func (md *Metadata) Len() int { return len(md.kv) / 2 }

// Range calls fn for each pair in order until fn returns false.
func (md *Metadata) Range(fn func(key, value string) bool) {
	for i := 0; i < len(md.kv); i += 2 {
		if !fn(md.kv[i], md.kv[i+1]) {
			return
		}
	}
}

// Reset removes every pair, keeping the capacity.
func (md *Metadata) Reset() { md.kv = md.kv[:0] }

// Clone returns an independent copy.
func (md *Metadata) Clone() Metadata {
	if len(md.kv) == 0 {
		return Metadata{}
	}
	return Metadata{kv: append([]string(nil), md.kv...)}
}

// CopyFrom replaces md's pairs with those of src.
func (md *Metadata) CopyFrom(src *Metadata) { md.kv = append(md.kv[:0], src.kv...) }

// Map returns the pairs as a new map.
func (md *Metadata) Map() map[string]string {
	m := make(map[string]string, len(md.kv)/2)
	md.Range(func(k, v string) bool { m[k] = v; return true })
	return m
}

// Append adds a pair without looking for an existing key, so that decoding
// n pairs costs O(n).
func (md *Metadata) Append(key, value string) { md.kv = append(md.kv, key, value) }

// Keys returns the keys, in order, each once.
func (md *Metadata) Keys() []string {
	out := make([]string, 0, md.Len())
	for i := 0; i < len(md.kv); i += 2 {
		if !slices.Contains(out, md.kv[i]) {
			out = append(out, md.kv[i])
		}
	}
	return out
}

// MetadataLimits are the caps on the metadata of one frame that a framer
// reads (see [Options.MetadataLimits]).
type MetadataLimits struct {
	Pairs int // the most pairs
	Bytes int // the most bytes of keys and values, all pairs together
}

// Check returns nil when pairs metadata pairs whose keys and values hold
// size bytes in all are within l, and otherwise an error wrapping
// [ErrTooLarge] whose text starts with name, the format's name. A reader
// may call it with the counts so far, as soon as they pass l, so the
// error does not give them.
func (l MetadataLimits) Check(name string, pairs, size int) error {
	switch {
	case pairs > l.Pairs:
		return fmt.Errorf("%s: more than %d metadata pairs: %w", name, l.Pairs, ErrTooLarge)
	case size > l.Bytes:
		return fmt.Errorf("%s: metadata of more than %d bytes: %w", name, l.Bytes, ErrTooLarge)
	}
	return nil
}

// Size returns the bytes of the keys and values, all pairs together: what
// [MetadataLimits] caps.
func (md *Metadata) Size() int {
	n := 0
	for _, s := range md.kv {
		n += len(s)
	}
	return n
}
