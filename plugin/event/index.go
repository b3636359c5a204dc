package event

import (
	"maps"
	"slices"
)

// index holds a bus's subscriptions, arranged so that finding those of a
// topic costs two map lookups and a look at the wildcard patterns that
// share the topic's first segment. It is never changed once published:
// Subscribe and Unsubscribe build a new one (copy on write), so Publish
// reads it without a lock. Every list is in delivery order: higher
// priority first, then the order of subscription.
type index struct {
	exact  map[string][]*Subscription // patterns without wildcards, by topic
	byHead map[string][]*Subscription // wildcard patterns, by their literal first segment
	wild   []*Subscription            // patterns that start with a wildcard
	n      int
}

// before reports whether a is delivered before b.
func before(a, b *Subscription) bool {
	if a.prio != b.prio {
		return a.prio > b.prio
	}
	return a.seq < b.seq
}

func cmpSub(a, b *Subscription) int {
	if before(a, b) {
		return -1
	}
	if before(b, a) {
		return 1
	}
	return 0
}

// with returns a copy of x with s added.
func (x *index) with(s *Subscription) *index {
	y := x.clone()
	y.n++
	add := func(l []*Subscription) []*Subscription {
		l = append(slices.Clip(l), s)
		slices.SortStableFunc(l, cmpSub)
		return l
	}
	switch h := s.pat.head(); {
	case !s.pat.wild:
		y.exact[s.pat.raw] = add(y.exact[s.pat.raw])
	case h != "":
		y.byHead[h] = add(y.byHead[h])
	default:
		y.wild = add(y.wild)
	}
	return y
}

// without returns a copy of x with s removed, or x itself when s is not
// in it.
func (x *index) without(s *Subscription) *index {
	drop := func(l []*Subscription) ([]*Subscription, bool) {
		i := slices.Index(l, s)
		if i < 0 {
			return l, false
		}
		return slices.Delete(slices.Clone(l), i, i+1), true
	}
	y := x.clone()
	var found bool
	switch h := s.pat.head(); {
	case !s.pat.wild:
		var l []*Subscription
		if l, found = drop(y.exact[s.pat.raw]); len(l) == 0 {
			delete(y.exact, s.pat.raw)
		} else {
			y.exact[s.pat.raw] = l
		}
	case h != "":
		var l []*Subscription
		if l, found = drop(y.byHead[h]); len(l) == 0 {
			delete(y.byHead, h)
		} else {
			y.byHead[h] = l
		}
	default:
		y.wild, found = drop(y.wild)
	}
	if !found {
		return x
	}
	y.n--
	return y
}

func (x *index) clone() *index {
	y := &index{exact: maps.Clone(x.exact), byHead: maps.Clone(x.byHead), wild: x.wild, n: x.n}
	if y.exact == nil {
		y.exact = map[string][]*Subscription{}
	}
	if y.byHead == nil {
		y.byHead = map[string][]*Subscription{}
	}
	return y
}

// all returns every subscription in x.
func (x *index) all() []*Subscription {
	out := make([]*Subscription, 0, x.n)
	for _, l := range x.exact {
		out = append(out, l...)
	}
	for _, l := range x.byHead {
		out = append(out, l...)
	}
	return append(out, x.wild...)
}

// matches walks the subscriptions whose pattern matches a valid topic, in
// delivery order: a merge of the three candidate lists, skipping the
// wildcard patterns that do not match. It lives on the stack of Publish.
type matches struct {
	topic string
	lists [3][]*Subscription // exact, same head, leading wildcard
	next  [3]int             // the next candidate of each list
	ok    [3]bool            // the candidate at next[k] is known to match
}

func (x *index) matches(topic string) matches {
	return matches{topic: topic, lists: [3][]*Subscription{x.exact[topic], x.byHead[topicHead(topic)], x.wild}}
}

// any reports whether some subscription matches.
func (m *matches) any() bool {
	for k := range m.lists {
		if m.head(k) != nil {
			return true
		}
	}
	return false
}

// head returns the next matching subscription of list k, or nil.
func (m *matches) head(k int) *Subscription {
	l := m.lists[k]
	for m.next[k] < len(l) {
		s := l[m.next[k]]
		if m.ok[k] || k == 0 || s.pat.match(m.topic) {
			m.ok[k] = true
			return s
		}
		m.next[k]++
	}
	return nil
}

// pop returns the next matching subscription in delivery order, or nil
// when there is none left.
func (m *matches) pop() *Subscription {
	best, bk := (*Subscription)(nil), -1
	for k := range m.lists {
		if s := m.head(k); s != nil && (best == nil || before(s, best)) {
			best, bk = s, k
		}
	}
	if best != nil {
		m.next[bk]++
		m.ok[bk] = false
	}
	return best
}
