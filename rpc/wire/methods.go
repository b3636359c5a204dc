package wire

// The bounds of a [MethodCache].
const (
	maxCachedMethods   = 256 // names per cache
	maxCachedMethodLen = 256 // bytes per name
)

// MethodCache interns the method names that one connection's reader
// decodes, so that a method seen before costs no allocation. It keeps at
// most 256 names of at most 256 bytes each, the first ones it is given, so
// that a peer cannot make it grow without bound. The zero value is ready
// to use. A MethodCache is not safe for concurrent use.
type MethodCache struct {
	names map[string]string
}

// Intern returns b as a string: the one the cache holds when it has seen b
// before, else a new one that it keeps if there is room. An empty b gives
// "".
func (c *MethodCache) Intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if s, ok := c.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(c.names) < maxCachedMethods && len(s) <= maxCachedMethodLen {
		if c.names == nil {
			c.names = make(map[string]string)
		}
		c.names[s] = s
	}
	return s
}

// Len returns the number of names the cache holds.
func (c *MethodCache) Len() int { return len(c.names) }
