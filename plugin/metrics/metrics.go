package metrics

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

// The message kinds that bytes are counted by (the type label).
const (
	kindCall = iota
	kindReply
	kindPush
	numKinds
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

	conns        [numSides]atomic.Uint64
	disconns     [numSides]atomic.Uint64
	redials      atomic.Uint64
	dialFailures atomic.Uint64

	mu        sync.Mutex
	endpoints map[*rpc.Endpoint]struct{} // for the sessions gauge
	lastSize  atomic.Int64               // of the last exposition, to size the next
	epoch     time.Time                  // the origin of clock
}

// The hooks and interceptors Metrics implements.
var (
	_ rpc.AfterNewEndpointHook     = (*Metrics)(nil)
	_ rpc.AfterCloseEndpointHook   = (*Metrics)(nil)
	_ rpc.AfterRouteHook           = (*Metrics)(nil)
	_ rpc.AfterAcceptHook          = (*Metrics)(nil)
	_ rpc.AfterDialHook            = (*Metrics)(nil)
	_ rpc.AfterDialFailHook        = (*Metrics)(nil)
	_ rpc.AfterDisconnectHook      = (*Metrics)(nil)
	_ rpc.AfterWriteCallHook       = (*Metrics)(nil)
	_ rpc.AfterReadReplyHeaderHook = (*Metrics)(nil)
	_ rpc.AfterReadCallHeaderHook  = (*Metrics)(nil)
	_ rpc.BeforeWriteReplyHook     = (*Metrics)(nil)
	_ rpc.AfterWriteReplyHook      = (*Metrics)(nil)
	_ rpc.AfterWritePushHook       = (*Metrics)(nil)
	_ rpc.AfterReadPushHeaderHook  = (*Metrics)(nil)
	_ rpc.CallInterceptor          = (*Metrics)(nil)
	_ rpc.HandlerInterceptor       = (*Metrics)(nil)
	_ http.Handler                 = (*Metrics)(nil)
)

// New returns a Metrics configured by cfg. It fails, with errors wrapping
// [ErrInvalidConfig], when cfg does not pass [Config.Validate].
func New(cfg Config) (*Metrics, error) {
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
	mt.methods.init(cfg.MaxMethods, len(cfg.Buckets)+1)
	return mt, nil
}

// clock returns the time since mt was made, from the monotonic clock only:
// one clock read, where time.Now reads the wall clock too.
func (mt *Metrics) clock() time.Duration { return time.Since(mt.epoch) }

// Name returns "metrics", the plugin's name.
func (*Metrics) Name() string { return "metrics" }

// stats returns the counters of m's method. The first lookup that finds
// the method labels full logs so, once, on the endpoint's logger.
func (mt *Metrics) stats(m *rpc.Message) *methodStats {
	st, capped := mt.methods.get(m.ServiceMethod())
	if capped {
		m.Session().Endpoint().Logger().Warn("metrics: method label cap reached; further methods are counted as "+OtherMethod,
			"max_methods", mt.maxMethods, "method", m.ServiceMethod())
	}
	return st
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
// added to them.
func (mt *Metrics) AfterCloseEndpoint(e *rpc.Endpoint, _ error) error {
	mt.mu.Lock()
	defer mt.mu.Unlock()
	delete(mt.endpoints, e)
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
		st := mt.stats(m)
		if m.Type() == rpc.TypePush {
			err := next(ctx, m, reply)
			st.client.pushes.add(rpc.CodeOf(err))
			return err
		}
		st.client.started.Add(1)
		start := mt.clock()
		err := next(ctx, m, reply)
		mt.callReturned(st, mt.clock()-start, err)
		return err
	}
}

// callReturned counts a call sent that returned err after d.
func (mt *Metrics) callReturned(st *methodStats, d time.Duration, err error) {
	st.client.time.observe(mt.bounds, &st.client.timeSum, d)
	st.client.calls.add(rpc.CodeOf(err))
}

// AfterWriteCall counts the bytes of a call's body sent.
func (mt *Metrics) AfterWriteCall(m *rpc.Message) error {
	mt.stats(m).client.callOut.Add(uint64(len(m.RawBody())))
	return nil
}

// AfterWritePush counts the bytes of a push's body sent.
func (mt *Metrics) AfterWritePush(m *rpc.Message) error {
	mt.stats(m).client.pushOut.Add(uint64(len(m.RawBody())))
	return nil
}

// AfterReadReplyHeader counts the bytes of a reply's body received.
func (mt *Metrics) AfterReadReplyHeader(m *rpc.Message) error {
	mt.stats(m).client.replyIn.Add(uint64(len(m.RawBody())))
	return nil
}

// Calls and pushes received.

// AfterReadCallHeader counts a call read, in flight from now, and the
// bytes of its body.
func (mt *Metrics) AfterReadCallHeader(m *rpc.Message) error {
	mt.callRead(mt.stats(m), len(m.RawBody()))
	return nil
}

// callRead counts a call read, with a body of n bytes.
func (mt *Metrics) callRead(st *methodStats, n int) {
	st.server.started.Add(1)
	st.server.callIn.Add(uint64(n))
}

// BeforeWriteReply ends a call's time in flight. It runs for every call
// read, also when its reply cannot be written (the connection is gone).
func (mt *Metrics) BeforeWriteReply(m *rpc.Message) error {
	mt.stats(m).server.finished.Add(1)
	return nil
}

// AfterWriteReply counts a call answered, by method and code, with its
// time from read to reply written, and the bytes of the reply's body.
func (mt *Metrics) AfterWriteReply(m *rpc.Message) error {
	mt.replyWritten(mt.stats(m), time.Since(m.ReadAt()), m.Status().Code(), len(m.RawBody()))
	return nil
}

// replyWritten counts a reply written with code and a body of n bytes, d
// after its call was read.
func (mt *Metrics) replyWritten(st *methodStats, d time.Duration, code rpc.Code, n int) {
	st.server.time.observe(mt.bounds, &st.server.timeSum, d)
	st.server.calls.add(code)
	st.server.replyOut.Add(uint64(n))
}

// AfterReadPushHeader counts a push read, and the bytes of its body.
func (mt *Metrics) AfterReadPushHeader(m *rpc.Message) error {
	st := mt.stats(m)
	st.server.pushesRead.Add(1)
	st.server.pushIn.Add(uint64(len(m.RawBody())))
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
		st := mt.stats(m)
		returned := false
		defer func() {
			if !returned {
				st.server.pushes.add(rpc.CodePanic)
			}
		}()
		reply, err := next(ctx, m)
		returned = true
		st.server.pushes.add(rpc.CodeOf(err))
		return reply, err
	}
}
