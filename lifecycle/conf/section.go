package conf

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Section is one section of a [File], with its overlay and the
// environment applied: its keys, their values and where each came from.
// A Section is never changed after Load or Parse returns it, and is safe
// for concurrent use.
//
// The accessors look a key up as the format compares keys: case and
// underscores aside ("ListenAddr", "listen_addr"). Those that read a kind
// other than a string return def when the key is absent or its value
// empty, and an [*Error] matching [ErrBadValue], located at the value's
// line or environment variable, when the value is not of the kind.
type Section struct {
	name    string
	src     source  // of its header; zero for a section absent from the file
	entries []entry // base keys, then those the overlay and environment add
	index   map[string]int
}

// entry is one key of a section.
type entry struct {
	key   string // as first written
	value string
	src   source
}

func newSection(name string, src source) *Section {
	return &Section{name: name, src: src, index: make(map[string]int)}
}

// lookup returns the entry of key.
func (s *Section) lookup(key string) (*entry, bool) {
	if s == nil {
		return nil, false
	}
	i, ok := s.index[normKey(key)]
	if !ok {
		return nil, false
	}
	return &s.entries[i], true
}

// set sets key to value, read at src; a key already there keeps its place
// and spelling.
func (s *Section) set(key, value string, src source) {
	if e, ok := s.lookup(key); ok {
		e.value, e.src = value, src
		return
	}
	s.index[normKey(key)] = len(s.entries)
	s.entries = append(s.entries, entry{key: key, value: value, src: src})
}

// Name returns the section's name, without brackets or overlay:
// "app", "sandbox.DRpcSandBox", "math".
func (s *Section) Name() string { return s.name }

// Keys returns the section's keys as first written in the file (a key
// that only an environment variable gave is lower case, without
// underscores): those of the section in file order, then those its
// overlay adds, then those the environment adds.
func (s *Section) Keys() []string {
	keys := make([]string, len(s.entries))
	for i, e := range s.entries {
		keys[i] = e.key
	}
	return keys
}

// Has reports whether the section has key, empty or not.
func (s *Section) Has(key string) bool {
	_, ok := s.lookup(key)
	return ok
}

// Lookup returns the value of key and whether the section has it.
func (s *Section) Lookup(key string) (string, bool) {
	e, ok := s.lookup(key)
	if !ok {
		return "", false
	}
	return e.value, true
}

// String returns the value of key, or def when the section lacks it. An
// empty value is returned as such ("http =" turns the status page off).
func (s *Section) String(key, def string) string {
	if v, ok := s.Lookup(key); ok {
		return v
	}
	return def
}

// Strings returns the comma-separated items of key's value, trimmed, the
// empty ones left out, or def when the section lacks the key. An empty
// value is an empty list. The error is always nil: it is there so that
// every typed accessor reads alike.
func (s *Section) Strings(key string, def []string) ([]string, error) {
	v, ok := s.Lookup(key)
	if !ok {
		return def, nil
	}
	return parseList(v), nil
}

// scalar returns the entry of key when the section has it with a value
// that is not empty.
func (s *Section) scalar(key string) (*entry, bool) {
	e, ok := s.lookup(key)
	if !ok || e.value == "" {
		return nil, false
	}
	return e, true
}

// Duration returns key's value as a Go duration ("30s", "1m30s", "-1s";
// "0" is the one bare number taken), or def.
func (s *Section) Duration(key string, def time.Duration) (time.Duration, error) {
	e, ok := s.scalar(key)
	if !ok {
		return def, nil
	}
	d, err := parseDuration(e.value)
	if err != nil {
		return def, s.bad(e, err.Error(), nil)
	}
	return d, nil
}

// Int returns key's value as a decimal integer, or def.
func (s *Section) Int(key string, def int) (int, error) {
	e, ok := s.scalar(key)
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(e.value, 10, strconv.IntSize)
	if err != nil {
		return def, s.bad(e, intError(err, "an integer").Error(), err)
	}
	return int(n), nil
}

// Float returns key's value as a floating-point number, or def.
func (s *Section) Float(key string, def float64) (float64, error) {
	e, ok := s.scalar(key)
	if !ok {
		return def, nil
	}
	f, err := strconv.ParseFloat(e.value, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return def, s.bad(e, "not a finite number", err)
	}
	return f, nil
}

// Bool returns key's value as a bool (true, false, 1, 0, yes, no, on,
// off, in any case), or def.
func (s *Section) Bool(key string, def bool) (bool, error) {
	e, ok := s.scalar(key)
	if !ok {
		return def, nil
	}
	b, err := parseBool(e.value)
	if err != nil {
		return def, s.bad(e, err.Error(), nil)
	}
	return b, nil
}

// Size returns key's value as a number of bytes, or def: an integer with
// an optional unit, B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB,
// TiB (powers of 1024), as in "512", "64KiB", "50 MB".
func (s *Section) Size(key string, def int64) (int64, error) {
	e, ok := s.scalar(key)
	if !ok {
		return def, nil
	}
	n, err := parseSize(e.value)
	if err != nil {
		return def, s.bad(e, err.Error(), nil)
	}
	return n, nil
}

// Errorf returns an [*Error] matching [ErrBadValue] about key's value,
// located where the value came from (at the section's header when the
// section lacks the key), with the message fmt.Sprintf(format, args...).
// It is for the checks a program makes of its own sections' values.
func (s *Section) Errorf(key, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if e, ok := s.lookup(key); ok {
		return errorAt(e.src, s.name, e.key, ErrBadValue, msg)
	}
	return errorAt(s.src, s.name, key, ErrBadValue, msg)
}

// bad returns the ErrBadValue error of e's value.
func (s *Section) bad(e *entry, why string, err error) *Error {
	return badValue(e.src, s.name, e.key, e.value, why, err)
}
