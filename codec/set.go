package codec

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Set is a table of codecs looked up by id and by name.
//
// The zero value is an empty set ready to use. A Set is safe for concurrent
// use: lookups read an immutable table without locking or allocating, and
// [Set.Add] replaces that table with an extended copy. A Set must not be
// copied after first use.
type Set struct {
	mu  sync.Mutex // serialises Add
	tab atomic.Pointer[table]
}

// table is one immutable state of a Set.
type table struct {
	byID   [256]Codec
	byName map[string]Codec // keyed by the lowercase name
	all    []Codec          // in id order
	names  []string         // names[i] is all[i].Name()
}

// Standard returns a new set holding the five codecs of this package: JSON,
// Protobuf, Plain, Form and XML. Each call returns a distinct set, so adding
// to one does not change the others.
func Standard() *Set {
	s := new(Set)
	for _, c := range []Codec{JSON{}, Protobuf{}, Plain{}, Form{}, XML{}} {
		if err := s.Add(c); err != nil {
			panic(err) // unreachable: the standard codecs have distinct ids and names
		}
	}
	return s
}

// Add adds c to the set. It fails, leaving the set unchanged, when c is nil,
// its id is 0, its name is empty, or its id or name (compared without
// regard to case) is already in the set.
func (s *Set) Add(c Codec) error {
	if c == nil {
		return errors.New("codec: cannot add a nil codec")
	}
	id, name := c.ID(), c.Name()
	if id == 0 {
		return fmt.Errorf("codec: codec %q has id 0, which is reserved", name)
	}
	if name == "" {
		return fmt.Errorf("codec: codec %q has an empty name", id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.tab.Load()
	if old == nil {
		old = &table{}
	}
	if d := old.byID[id]; d != nil {
		return fmt.Errorf("codec: id %q of %q is already used by %q", id, name, d.Name())
	}
	if d := old.lookupName(name); d != nil {
		return fmt.Errorf("codec: name %q of codec %q is already used by codec %q", name, id, d.ID())
	}
	next := &table{byID: old.byID, byName: make(map[string]Codec, len(old.all)+1)}
	for k, d := range old.byName {
		next.byName[k] = d
	}
	next.byName[strings.ToLower(name)] = c
	next.byID[id] = c
	next.all = make([]Codec, 0, len(old.all)+1)
	next.names = make([]string, 0, len(old.all)+1)
	for _, d := range next.byID {
		if d != nil {
			next.all = append(next.all, d)
			next.names = append(next.names, d.Name())
		}
	}
	s.tab.Store(next)
	return nil
}

// ByID returns the codec with the given id, or nil when there is none.
func (s *Set) ByID(id byte) Codec {
	if t := s.tab.Load(); t != nil {
		return t.byID[id]
	}
	return nil
}

// ByName returns the codec with the given name, compared without regard to
// case, or nil when there is none.
func (s *Set) ByName(name string) Codec {
	if t := s.tab.Load(); t != nil {
		return t.lookupName(name)
	}
	return nil
}

// All returns the codecs of the set in id order, in a new slice.
func (s *Set) All() []Codec {
	if t := s.tab.Load(); t != nil {
		return slices.Clone(t.all)
	}
	return nil
}

// lookupName finds a codec by name without regard to case. Lowercase names,
// the usual case, are found by one map lookup without allocating.
func (t *table) lookupName(name string) Codec {
	if c, ok := t.byName[name]; ok {
		return c
	}
	for i, n := range t.names {
		if strings.EqualFold(n, name) {
			return t.all[i]
		}
	}
	return nil
}
