package ignorecase

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dmicro-go/dmicro/rpc"
)

// The errors of this package, for errors.Is.
var (
	// ErrConflict reports a route whose path differs from a registered
	// one only in case: the plugin could not tell them apart.
	ErrConflict = errors.New("ignorecase: two routes differ only in case")
	// ErrMisused reports a plugin given to a second endpoint, or to a
	// group or route instead of an endpoint.
	ErrMisused = errors.New("ignorecase: the plugin must be given to exactly one rpc.NewEndpoint")
)

// Plugin routes calls and pushes whose method matches a registered path but
// for case. Make one with [New] for each endpoint, and give it to
// rpc.NewEndpoint. It is safe for concurrent use.
type Plugin struct {
	mu      sync.Mutex // serialises writers of idx
	claimed bool       // given to an endpoint's BeforeNewEndpoint
	ep      *rpc.Endpoint
	idx     atomic.Pointer[index] // read without a lock
}

var (
	_ rpc.BeforeNewEndpointHook   = (*Plugin)(nil)
	_ rpc.AfterNewEndpointHook    = (*Plugin)(nil)
	_ rpc.AfterRouteHook          = (*Plugin)(nil)
	_ rpc.AfterReadCallHeaderHook = (*Plugin)(nil)
	_ rpc.AfterReadPushHeaderHook = (*Plugin)(nil)
)

// index is an immutable snapshot of the endpoint's paths, by case-folded
// form; a route added makes a new one.
type index struct {
	calls, pushes table
}

type table struct {
	// paths maps each path's lower-case form to the path.
	paths map[string]string
	// prefixes are the paths of the fallbacks (SetUnknownCall and
	// SetUnknownPush) other than the root's, with their trailing "/",
	// longest first, as the rpc router tries them.
	prefixes []string
}

// New returns a plugin for one endpoint.
func New() *Plugin {
	p := &Plugin{}
	p.idx.Store(&index{calls: table{paths: map[string]string{}}, pushes: table{paths: map[string]string{}}})
	return p
}

// Name returns "ignorecase".
func (*Plugin) Name() string { return "ignorecase" }

// BeforeNewEndpoint claims the plugin for the endpoint being made. A
// plugin already claimed fails it with an error wrapping [ErrMisused]:
// each endpoint needs its own, since the plugin indexes its routes. A
// plugin whose NewEndpoint failed stays claimed; make a new one.
func (p *Plugin) BeforeNewEndpoint(*rpc.Config) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.claimed {
		return fmt.Errorf("%w: this one already serves another endpoint; make one Plugin for each", ErrMisused)
	}
	p.claimed = true
	return nil
}

// AfterNewEndpoint records the endpoint, whose routes tell a conflict
// from a path left behind by a registration that failed.
func (p *Plugin) AfterNewEndpoint(e *rpc.Endpoint) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ep = e
	return nil
}

// AfterRoute adds a route's path to the index. A path that differs from
// one registered only in case fails the registration, with an error
// wrapping [ErrConflict]: the first route registered stays, and the new
// one is not registered. Calls and pushes are separate: a call route and
// a push route may differ only in case.
func (p *Plugin) AfterRoute(r rpc.RouteInfo) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.claimed {
		return fmt.Errorf("%w: give it to rpc.NewEndpoint, not to a group or route (route %s)", ErrMisused, r.Path)
	}
	old := p.idx.Load()
	next := *old
	t := &next.calls
	if r.Push {
		t = &next.pushes
	}
	key := strings.ToLower(r.Path)
	if r.Fallback {
		if r.Path == "/" {
			return nil // the root's fallback takes every path already
		}
		i := slices.IndexFunc(t.prefixes, func(q string) bool { return strings.ToLower(q) == key })
		if i >= 0 && !p.stale(t.prefixes[i], r) {
			return p.conflict(t.prefixes[i], r)
		}
		prefixes := slices.Clone(t.prefixes)
		if i >= 0 {
			prefixes = slices.Delete(prefixes, i, i+1)
		}
		prefixes = append(prefixes, r.Path)
		slices.SortStableFunc(prefixes, func(a, b string) int { return len(b) - len(a) })
		t.prefixes = prefixes
	} else {
		if q, ok := t.paths[key]; ok && q != r.Path && !p.stale(q, r) {
			return p.conflict(q, r)
		}
		t.paths = maps.Clone(t.paths)
		t.paths[key] = r.Path
	}
	p.idx.Store(&next)
	return nil
}

// stale reports whether path, in the index for a route of r's kind, is
// no longer routed: it was added by a registration that another plugin's
// AfterRoute then failed, which the router undid.
func (p *Plugin) stale(path string, r rpc.RouteInfo) bool {
	if p.ep == nil {
		return false // routes made before NewEndpoint returned: keep them
	}
	return !slices.ContainsFunc(p.ep.Router().Routes(), func(o rpc.RouteInfo) bool {
		return o.Path == path && o.Push == r.Push && o.Fallback == r.Fallback
	})
}

func (p *Plugin) conflict(path string, r rpc.RouteInfo) error {
	kind := "call"
	if r.Push {
		kind = "push"
	}
	if r.Fallback {
		kind = "unknown-" + kind + " handler"
	}
	return fmt.Errorf("%w: %s %s is registered as %s", ErrConflict, kind, r.Path, path)
}

// AfterReadCallHeader routes a call whose method matches a path but for
// case to that path. A method that is a path as it is costs no allocation.
func (p *Plugin) AfterReadCallHeader(m *rpc.Message) error {
	if path, ok := p.idx.Load().calls.resolve(m.ServiceMethod()); ok {
		m.SetServiceMethod(path)
	}
	return nil
}

// AfterReadPushHeader does for pushes what AfterReadCallHeader does for
// calls.
func (p *Plugin) AfterReadPushHeader(m *rpc.Message) error {
	if path, ok := p.idx.Load().pushes.resolve(m.ServiceMethod()); ok {
		m.SetServiceMethod(path)
	}
	return nil
}

// resolve returns the method the router should see for method, and
// whether it differs from method: the registered path that method matches
// but for case; else, when a fallback's prefix matches method's start but
// for case, method with that prefix as registered; else nothing.
func (t *table) resolve(method string) (string, bool) {
	if path, ok := lookupFolded(t.paths, method); ok {
		return path, path != method
	}
	for _, prefix := range t.prefixes {
		dir := prefix[:len(prefix)-1] // the prefix without its trailing "/"
		switch {
		case len(method) >= len(prefix) && strings.EqualFold(method[:len(prefix)], prefix):
			if method[:len(prefix)] == prefix {
				return "", false
			}
			return prefix + method[len(prefix):], true
		case strings.EqualFold(method, dir):
			return dir, method != dir
		}
	}
	return "", false
}

// maxStackKey is the longest method folded without allocating.
const maxStackKey = 256

// lookupFolded looks s up in m by its lower-case form. It allocates only
// for a method with an upper-case letter that is longer than maxStackKey
// bytes or not all ASCII.
func lookupFolded(m map[string]string, s string) (string, bool) {
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			v, ok := m[strings.ToLower(s)]
			return v, ok
		}
		upper = upper || 'A' <= c && c <= 'Z'
	}
	if !upper || len(s) > maxStackKey {
		if upper {
			s = strings.ToLower(s)
		}
		v, ok := m[s]
		return v, ok
	}
	var buf [maxStackKey]byte
	b := buf[:len(s)]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	v, ok := m[string(b)] // the compiler makes no string for a map index
	return v, ok
}
