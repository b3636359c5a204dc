package rpc

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Router maps paths to handlers. The endpoint has one; [Router.Group] makes
// routers that share its table under a path prefix, with plugins of their
// own. Registering is safe at any time, also while serving; lookups take no
// lock.
type Router struct {
	table   *routeTable
	prefix  string
	plugins *pluginSet // the endpoint's plugins, then the groups', outer first
	ep      *Endpoint
}

type routeTable struct {
	mu   sync.Mutex // serialises writers
	snap atomic.Pointer[routes]
}

// routes is an immutable snapshot of the table.
type routes struct {
	calls, pushes map[string]*handler
	unknownCalls  []*handler // longest prefix first
	unknownPushes []*handler
}

func newRouter(ep *Endpoint) *Router {
	t := &routeTable{}
	t.snap.Store(&routes{calls: map[string]*handler{}, pushes: map[string]*handler{}})
	return &Router{table: t, plugins: ep.plugins, ep: ep}
}

// Group returns a router that registers under prefix (joined to this
// router's prefix) and runs plugins after this router's for its routes. It
// is what the seed calls SubRoute.
func (r *Router) Group(prefix string, plugins ...Plugin) (*Router, error) {
	ps, err := newPluginSet(r.plugins, plugins)
	if err != nil {
		return nil, err
	}
	return &Router{table: r.table, prefix: joinPath(r.prefix, prefix), plugins: ps, ep: r.ep}, nil
}

// Prefix returns the router's path prefix ("" for the root).
func (r *Router) Prefix() string {
	if r.prefix == "/" {
		return ""
	}
	return r.prefix
}

// RouteCall registers the exported methods of ctrl, a pointer to a struct,
// as call handlers at "<prefix>/<struct>/<method>" in snake_case (Math.Add →
// "/math/add"; see the package doc for the naming rule). The methods have
// one of two shapes:
//
//	func (m *Math) Add(arg *[]int) (int, *rpc.Status)                 // Math embeds rpc.CallCtx
//	func (m *Math) Add(ctx *rpc.CallCtx, arg *[]int) (int, error)
//
// Either result may be error or *rpc.Status. In the first shape each call
// gets a fresh copy of *ctrl with the context set, so fields set at
// registration are seen by every call and fields set in a call by none
// other. In the second, every call runs on ctrl itself. Methods of another
// shape are skipped. It returns the registered paths.
func (r *Router) RouteCall(ctrl any, plugins ...Plugin) ([]string, error) {
	return r.routeStruct(ctrl, false, plugins)
}

// RoutePush registers the exported methods of ctrl as push handlers, like
// RouteCall; the shapes are func (m *T) Name(arg *A) error (T embeds
// rpc.PushCtx) and func (m *T) Name(ctx *rpc.PushCtx, arg *A) error.
func (r *Router) RoutePush(ctrl any, plugins ...Plugin) ([]string, error) {
	return r.routeStruct(ctrl, true, plugins)
}

// RouteCallFunc registers a function as a call handler at "<prefix>/<name>",
// name being the function's name in snake_case. The function is
// func(ctx *rpc.CallCtx, arg *A) (R, error) or func(m *T, arg *A) (R,
// *rpc.Status) with T embedding rpc.CallCtx. For a path of your choosing and
// no reflection per call, use HandleCall with CallFunc.
func (r *Router) RouteCallFunc(fn any, plugins ...Plugin) (string, error) {
	return r.routeFunc(fn, false, plugins)
}

// RoutePushFunc registers a function as a push handler, like RouteCallFunc.
func (r *Router) RoutePushFunc(fn any, plugins ...Plugin) (string, error) {
	return r.routeFunc(fn, true, plugins)
}

// HandleCall registers h at path (joined to the prefix).
func (r *Router) HandleCall(path string, h CallHandler, plugins ...Plugin) error {
	if h.call == nil {
		return fmt.Errorf("rpc: route %s: empty CallHandler (use rpc.CallFunc)", path)
	}
	return r.add([]*handler{{path: path, argType: h.arg, reply: h.reply, newArg: h.newArg, call: h.call}}, plugins)
}

// HandlePush registers h at path (joined to the prefix).
func (r *Router) HandlePush(path string, h PushHandler, plugins ...Plugin) error {
	if h.push == nil {
		return fmt.Errorf("rpc: route %s: empty PushHandler (use rpc.PushFunc)", path)
	}
	return r.add([]*handler{{path: path, push: true, argType: h.arg, newArg: h.newArg, pushFn: h.push}}, plugins)
}

// SetUnknownCall sets the handler of calls to paths under this router's
// prefix that match no route; the most specific prefix wins. It gets no
// decoded argument: it reads the body with ctx.Decode or ctx.RawBody. Its
// reply is encoded like any other; return an rpc.Raw to pass bytes through.
func (r *Router) SetUnknownCall(fn func(ctx *CallCtx) (any, error), plugins ...Plugin) error {
	if fn == nil {
		return fmt.Errorf("rpc: SetUnknownCall: nil handler")
	}
	h := &handler{unknown: true, call: func(in *inbound, _ any) (any, error) {
		r, err := fn(&in.cc)
		return r, noTypedNil(err)
	}}
	return r.add([]*handler{h}, plugins)
}

// SetUnknownPush sets the handler of pushes that match no route, like SetUnknownCall.
func (r *Router) SetUnknownPush(fn func(ctx *PushCtx) error, plugins ...Plugin) error {
	if fn == nil {
		return fmt.Errorf("rpc: SetUnknownPush: nil handler")
	}
	h := &handler{unknown: true, push: true, pushFn: func(in *inbound, _ any) error { return noTypedNil(fn(&in.pc)) }}
	return r.add([]*handler{h}, plugins)
}

// Routes lists the routes registered under this router's prefix (all of
// them for the root): calls, then pushes, each sorted by path, then the
// fallbacks of calls and of pushes, most specific first.
func (r *Router) Routes() []RouteInfo {
	snap := r.table.snap.Load()
	var out []RouteInfo
	mine := func(h *handler) bool {
		p := r.Prefix()
		return p == "" || h.path == p || strings.HasPrefix(h.path, p+"/")
	}
	for _, m := range []map[string]*handler{snap.calls, snap.pushes} {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if mine(m[k]) {
				out = append(out, m[k].info())
			}
		}
	}
	for _, h := range append(slices.Clone(snap.unknownCalls), snap.unknownPushes...) {
		if mine(h) {
			out = append(out, h.info())
		}
	}
	return out
}

func (r *Router) routeStruct(ctrl any, push bool, plugins []Plugin) ([]string, error) {
	_, hs, skipped, err := structHandlers(ctrl, push)
	if err != nil {
		return nil, err
	}
	if len(skipped) > 0 {
		r.ep.log.Debug("rpc: methods of another shape were not routed", "type", reflect.TypeOf(ctrl).String(), "methods", strings.Join(skipped, ","))
	}
	if err := r.add(hs, plugins); err != nil {
		return nil, err
	}
	paths := make([]string, len(hs))
	for i, h := range hs {
		paths[i] = h.path
	}
	return paths, nil
}

func (r *Router) routeFunc(fn any, push bool, plugins []Plugin) (string, error) {
	h, err := funcHandler(fn, push)
	if err != nil {
		return "", err
	}
	if err := r.add([]*handler{h}, plugins); err != nil {
		return "", err
	}
	return h.path, nil
}

// add registers hs atomically: all or none. Paths are joined to the prefix,
// conflicts and AfterRoute errors fail the whole registration.
func (r *Router) add(hs []*handler, plugins []Plugin) error {
	ps, err := newPluginSet(r.plugins, plugins)
	if err != nil {
		return err
	}
	for _, h := range hs {
		h.plugins = ps
		h.intercepted = chainHandler(ps, runIntercepted)
		if h.unknown {
			h.path = r.Prefix() + "/"
		} else {
			h.path = joinPath(r.prefix, h.path)
		}
	}
	t := r.table
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.snap.Load()
	next := &routes{
		calls: maps.Clone(old.calls), pushes: maps.Clone(old.pushes),
		unknownCalls: slices.Clone(old.unknownCalls), unknownPushes: slices.Clone(old.unknownPushes),
	}
	for _, h := range hs {
		if err := next.insert(h); err != nil {
			return err
		}
	}
	for _, h := range hs {
		if err := runHook(ps.afterRoute, AfterRouteHook.AfterRoute, h.info()); err != nil {
			return fmt.Errorf("rpc: route %s: %w", h.path, err)
		}
	}
	t.snap.Store(next)
	return nil
}

func (rt *routes) insert(h *handler) error {
	kind := "call"
	if h.push {
		kind = "push"
	}
	if h.unknown {
		list := &rt.unknownCalls
		if h.push {
			list = &rt.unknownPushes
		}
		for _, o := range *list {
			if o.path == h.path {
				return fmt.Errorf("rpc: route: an unknown-%s handler is already set for %s", kind, h.path)
			}
		}
		*list = append(*list, h)
		sort.SliceStable(*list, func(i, j int) bool { return len((*list)[i].path) > len((*list)[j].path) })
		return nil
	}
	m := rt.calls
	if h.push {
		m = rt.pushes
	}
	if _, dup := m[h.path]; dup {
		return fmt.Errorf("rpc: route: %s handler %s is already registered", kind, h.path)
	}
	m[h.path] = h
	return nil
}

// lookup returns the handler for a call (push false) or push to path: the
// route, else the fallback with the longest matching prefix, else nil.
func (r *Router) lookup(path string, push bool) *handler {
	snap := r.table.snap.Load()
	m, unknown := snap.calls, snap.unknownCalls
	if push {
		m, unknown = snap.pushes, snap.unknownPushes
	}
	if h, ok := m[path]; ok {
		return h
	}
	for _, h := range unknown {
		if strings.HasPrefix(path, h.path) || h.path == "/" || path+"/" == h.path {
			return h
		}
	}
	return nil
}
