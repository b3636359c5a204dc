package metrics

import (
	"context"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

// The sides of a connection (the side label): accepted by this endpoint, or
// dialed by it.
const (
	sideAccepted = iota
	sideDialed
	numSides
)

// Metrics is an rpc plugin that counts an endpoint's calls, pushes, bytes
// and connections, and an [http.Handler] that serves them to Prometheus.
// Give it to [rpc.NewEndpoint] as a plugin; one Metrics may serve several
// endpoints, whose numbers then add up. See the package documentation for
// the metrics it keeps.
//
// A Metrics is safe for concurrent use. Its hooks take no lock and
// allocate nothing on the call path.
type Metrics struct {
	ns          string
	maxMethods  int
	runtime     bool
	constLabels string   // rendered `name="value"` pairs, comma-separated
	bounds      []int64  // bucket bounds in nanoseconds
	les         []string // the le labels of the buckets, then "+Inf"
	omLes       []string // the same in OpenMetrics' canonical form
	codeLabels  [numCodes]string
	methods     methods
	shards      shardPicker
	hot         []atomic.Uint64 // per shard, a line whose hotOwner slot is its owner's mark

	conns        [numSides]atomic.Uint64
	disconns     [numSides]atomic.Uint64
	redials      atomic.Uint64
	dialFailures atomic.Uint64

	mu        sync.Mutex
	endpoints map[*rpc.Endpoint]struct{} // for the gauges and the byte totals
	closed    rpc.Stats                  // the byte totals of endpoints closed
	lastSize  atomic.Int64               // of the last exposition, to size the next
	epoch     time.Time                  // the origin of clock
}

// The hooks and interceptors Metrics implements.
var (
	_ rpc.AfterNewEndpointHook    = (*Metrics)(nil)
	_ rpc.AfterCloseEndpointHook  = (*Metrics)(nil)
	_ rpc.AfterRouteHook          = (*Metrics)(nil)
	_ rpc.AfterAcceptHook         = (*Metrics)(nil)
	_ rpc.AfterDialHook           = (*Metrics)(nil)
	_ rpc.AfterDialFailHook       = (*Metrics)(nil)
	_ rpc.AfterDisconnectHook     = (*Metrics)(nil)
	_ rpc.AfterWriteReplyHook     = (*Metrics)(nil)
	_ rpc.AfterReadPushHeaderHook = (*Metrics)(nil)
	_ rpc.CallInterceptor         = (*Metrics)(nil)
	_ rpc.HandlerInterceptor      = (*Metrics)(nil)
	_ http.Handler                = (*Metrics)(nil)
)

// New returns a Metrics configured by cfg. It fails, with errors wrapping
// [ErrInvalidConfig], when cfg does not pass [Config.Validate].
func New(cfg Config) (*Metrics, error) {
	return build(cfg, numShards())
}

// build returns a Metrics configured by cfg whose counters are striped
// over shards.
func build(cfg Config, shards int) (*Metrics, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	mt := &Metrics{
		ns:         cfg.Namespace,
		maxMethods: cfg.MaxMethods,
		runtime:    cfg.Runtime,
		endpoints:  map[*rpc.Endpoint]struct{}{},
		epoch:      time.Now(),
	}
	var pairs []string
	for _, name := range slices.Sorted(maps.Keys(cfg.ConstLabels)) {
		pairs = append(pairs, name+`="`+escapeLabel(cfg.ConstLabels[name])+`"`)
	}
	mt.constLabels = strings.Join(pairs, ",")
	for _, b := range cfg.Buckets {
		mt.bounds = append(mt.bounds, nanos(b))
		mt.les = append(mt.les, string(appendFloat(nil, b, false)))
		mt.omLes = append(mt.omLes, string(appendFloat(nil, b, true)))
	}
	mt.les = append(mt.les, "+Inf")
	mt.omLes = append(mt.omLes, "+Inf")
	for i := range mt.codeLabels {
		mt.codeLabels[i] = codeLabel(i)
	}
	mt.hot = alignedCounters(shards * lineWords)
	mt.shards.init(shards, mt.hot)
	mt.methods.init(cfg.MaxMethods, shards, len(cfg.Buckets)+1)
	return mt, nil
}

// clock returns the time since mt was made, from the monotonic clock only:
// one clock read, where time.Now reads the wall clock too.
func (mt *Metrics) clock() time.Duration { return time.Since(mt.epoch) }

// Name returns "metrics", the plugin's name.
func (*Metrics) Name() string { return "metrics" }

// stats returns the counters of method, looked up first in t's cache of
// a method its P looked up (the method a P sees is most often the one it
// saw last), then in the table. One answer from the table in eight, at
// random, replaces the cached one: where methods take turns, the cache
// is seldom written, which matters when all Ps share one token. capped
// is true for the one lookup that found the method labels full first.
func (mt *Metrics) stats(t *shardToken, method string) (st *methodStats, capped bool) {
	if st := t.last.Load(); st != nil && st.name == method {
		return st, false
	}
	st, capped = mt.methods.get(method)
	if rand.Uint32()%8 == 0 {
		t.last.Store(st)
	}
	return st, capped
}

// warnCapped logs, on the endpoint's logger of m, that the method labels
// are full: once, when capped says so.
func (mt *Metrics) warnCapped(m *rpc.Message, capped bool) {
	if capped {
		m.Session().Endpoint().Logger().Warn("metrics: method label cap reached; further methods are counted as "+OtherMethod,
			"max_methods", mt.maxMethods, "method", m.ServiceMethod())
	}
}

// Endpoint life.

// AfterNewEndpoint adds e to the endpoints whose sessions are counted.
func (mt *Metrics) AfterNewEndpoint(e *rpc.Endpoint) error {
	mt.mu.Lock()
	defer mt.mu.Unlock()
	mt.endpoints[e] = struct{}{}
	return nil
}

// AfterCloseEndpoint stops counting e's sessions. The counters keep what e
// added to them: its byte totals are kept here, so that the byte counters
// never go down.
func (mt *Metrics) AfterCloseEndpoint(e *rpc.Endpoint, _ error) error {
	mt.mu.Lock()
	defer mt.mu.Unlock()
	if _, ok := mt.endpoints[e]; ok {
		st := e.Stats()
		mt.closed.BytesRead += st.BytesRead
		mt.closed.BytesWritten += st.BytesWritten
		delete(mt.endpoints, e)
	}
	return nil
}

// AfterRoute gives the route's path its method label, outside the cap.
func (mt *Metrics) AfterRoute(r rpc.RouteInfo) error {
	if !r.Fallback {
		mt.methods.learn(r.Path, true)
	}
	return nil
}

// Connections.

func side(s *rpc.Session) int {
	if s.Dialed() {
		return sideDialed
	}
	return sideAccepted
}

// AfterAccept counts an accepted connection.
func (mt *Metrics) AfterAccept(*rpc.Session) error {
	mt.conns[sideAccepted].Add(1)
	return nil
}

// AfterDial counts a dialed connection, and a redial.
func (mt *Metrics) AfterDial(_ *rpc.Session, isRedial bool) error {
	mt.conns[sideDialed].Add(1)
	if isRedial {
		mt.redials.Add(1)
	}
	return nil
}

// AfterDialFail counts a failed dial or redial attempt.
func (mt *Metrics) AfterDialFail(string, error, bool) error {
	mt.dialFailures.Add(1)
	return nil
}

// AfterDisconnect counts a connection that ended.
func (mt *Metrics) AfterDisconnect(s *rpc.Session, _ error) error {
	mt.disconns[side(s)].Add(1)
	return nil
}

// Calls and pushes sent.

// InterceptCall counts the calls and pushes the endpoint sends, by method
// and result code, and times each call from send to reply (encoding and
// decoding included).
func (mt *Metrics) InterceptCall(next rpc.InvokeFunc) rpc.InvokeFunc {
	return func(ctx context.Context, m *rpc.Message, reply any) error {
		if m.Type() == rpc.TypePush {
			err := next(ctx, m, reply)
			mt.warnCapped(m, mt.pushSent(m.ServiceMethod(), err))
			return err
		}
		st, capped := mt.method(m.ServiceMethod())
		mt.warnCapped(m, capped)
		start := mt.clock()
		err := next(ctx, m, reply)
		mt.callReturned(st, mt.clock()-start, err)
		return err
	}
}

// pushSent counts a push to method whose sending returned err.
func (mt *Metrics) pushSent(method string, err error) (capped bool) {
	t, id := mt.shards.get()
	st, capped := mt.stats(t, method)
	st.client.count(st.client.shards[id], resPushes, codeOf(err))
	mt.shards.put(t)
	return capped
}

// method returns the counters of method.
func (mt *Metrics) method(method string) (st *methodStats, capped bool) {
	t, _ := mt.shards.get()
	st, capped = mt.stats(t, method)
	mt.shards.put(t)
	return st, capped
}

// callReturned counts a call sent that returned err after d.
func (mt *Metrics) callReturned(st *methodStats, d time.Duration, err error) {
	t, id := mt.shards.get()
	s := st.client.shards[id]
	s.observe(mt.bounds, d)
	st.client.count(s, resCalls, codeOf(err))
	mt.shards.put(t)
}

// Calls and pushes received.

// AfterWriteReply counts a call answered, by method and code, with its
// time from read to reply written.
func (mt *Metrics) AfterWriteReply(m *rpc.Message) error {
	mt.warnCapped(m, mt.replyWritten(m.ServiceMethod(), time.Since(m.ReadAt()), m.Status().Code()))
	return nil
}

// replyWritten counts a reply to a call to method written with code, d
// after the call was read.
func (mt *Metrics) replyWritten(method string, d time.Duration, code rpc.Code) (capped bool) {
	t, id := mt.shards.get()
	st, capped := mt.stats(t, method)
	s := st.server.shards[id]
	s.observe(mt.bounds, d)
	st.server.count(s, resCalls, code)
	mt.shards.put(t)
	return capped
}

// AfterReadPushHeader counts a push read.
func (mt *Metrics) AfterReadPushHeader(m *rpc.Message) error {
	t, id := mt.shards.get()
	st, capped := mt.stats(t, m.ServiceMethod())
	st.server.shards[id][atPushesRead].Add(1)
	mt.shards.put(t)
	mt.warnCapped(m, capped)
	return nil
}

// InterceptHandler counts the pushes whose handler ran, by method and the
// code of the handler's result (handler_panic for a panic). Calls pass
// through: their replies are counted by AfterWriteReply.
func (mt *Metrics) InterceptHandler(next rpc.HandlerFunc) rpc.HandlerFunc {
	return func(ctx context.Context, m *rpc.Message) (any, error) {
		if m.Type() != rpc.TypePush {
			return next(ctx, m)
		}
		method := m.ServiceMethod()
		returned := false
		defer func() {
			if !returned {
				mt.warnCapped(m, mt.pushHandled(method, rpc.CodePanic))
			}
		}()
		reply, err := next(ctx, m)
		returned = true
		mt.warnCapped(m, mt.pushHandled(method, codeOf(err)))
		return reply, err
	}
}

// pushHandled counts a push to method whose handler ran, by the code of
// its result.
func (mt *Metrics) pushHandled(method string, code rpc.Code) (capped bool) {
	t, id := mt.shards.get()
	st, capped := mt.stats(t, method)
	st.server.count(st.server.shards[id], resPushes, code)
	mt.shards.put(t)
	return capped
}
