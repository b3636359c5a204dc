package event

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

// Plugin is an rpc plugin that publishes an endpoint's events on a bus:
// sessions connected and disconnected, dials failed, calls served and
// returned, pushes received and sent (see the Topic constants). Give it to
// rpc.NewEndpoint.
//
// Each event is published only when some listener would get it
// ([Bus.HasSubscribers]), so an endpoint whose bus has no listeners pays a
// few map lookups per call. The plugin publishes from the hooks of the
// rpc layer, in the goroutines that read, handle and send: synchronous
// listeners of these topics run there and delay that work, so they must
// be quick, must not block, and must not call on the session of a
// TopicConnected event (it is not reading yet). Do slow work in Async
// listeners. The errors of synchronous listeners are logged by the
// endpoint's logger at Warn; drops (ErrDropped) and ErrStop are not.
// Nothing a listener does changes how the endpoint serves.
//
// Events of calls and pushes are published with the call's context (the
// handler's, or the caller's); session events with the session's, and
// dial failures with the background context. These bound the wait of an
// OverflowBlock listener whose queue is full.
//
// A Plugin is safe for concurrent use and may serve several endpoints.
type Plugin struct {
	bus *Bus
	log atomic.Pointer[slog.Logger] // the last endpoint's, for dial failures
}

// NewPlugin returns a plugin that publishes on bus. A nil bus makes
// rpc.NewEndpoint fail.
func NewPlugin(bus *Bus) *Plugin { return &Plugin{bus: bus} }

var (
	_ rpc.AfterNewEndpointHook  = (*Plugin)(nil)
	_ rpc.AfterAcceptHook       = (*Plugin)(nil)
	_ rpc.AfterDialHook         = (*Plugin)(nil)
	_ rpc.AfterDialFailHook     = (*Plugin)(nil)
	_ rpc.AfterDisconnectHook   = (*Plugin)(nil)
	_ rpc.AfterWriteReplyHook   = (*Plugin)(nil)
	_ rpc.AfterReadPushBodyHook = (*Plugin)(nil)
	_ rpc.CallInterceptor       = (*Plugin)(nil)
)

// Name returns "event".
func (*Plugin) Name() string { return "event" }

// AfterNewEndpoint checks that the plugin has a bus.
func (p *Plugin) AfterNewEndpoint(e *rpc.Endpoint) error {
	if p.bus == nil {
		return fmt.Errorf("%w: the plugin has no bus", ErrBadOption)
	}
	p.log.Store(e.Logger())
	return nil
}

// AfterAccept publishes TopicConnected.
func (p *Plugin) AfterAccept(s *rpc.Session) error {
	p.session(TopicConnected, s, false, nil)
	return nil
}

// AfterDial publishes TopicConnected.
func (p *Plugin) AfterDial(s *rpc.Session, isRedial bool) error {
	p.session(TopicConnected, s, isRedial, nil)
	return nil
}

// AfterDisconnect publishes TopicDisconnected.
func (p *Plugin) AfterDisconnect(s *rpc.Session, err error) error {
	p.session(TopicDisconnected, s, false, err)
	return nil
}

func (p *Plugin) session(topic string, s *rpc.Session, redial bool, err error) {
	if !p.bus.HasSubscribers(topic) {
		return
	}
	ev := Event{Topic: topic, Data: SessionEvent{Session: s, Redial: redial, Err: err}}
	p.report(s.Endpoint().Logger(), topic, p.bus.Publish(s.Context(), ev))
}

// AfterDialFail publishes TopicDialFailed.
func (p *Plugin) AfterDialFail(addr string, err error, isRedial bool) error {
	if !p.bus.HasSubscribers(TopicDialFailed) {
		return nil
	}
	ev := Event{Topic: TopicDialFailed, Data: DialEvent{Addr: addr, Redial: isRedial, Err: err}}
	p.report(p.log.Load(), TopicDialFailed, p.bus.Publish(context.Background(), ev))
	return nil
}

// AfterWriteReply publishes TopicCallServed.
func (p *Plugin) AfterWriteReply(m *rpc.Message) error {
	if !p.bus.HasSubscribers(TopicCallServed) {
		return nil
	}
	now := time.Now()
	ce := CallEvent{Session: m.Session(), Method: m.ServiceMethod(), Duration: now.Sub(m.ReadAt())}
	if st := m.Status(); st != nil {
		ce.Code, ce.Err = st.Code(), st
	}
	p.publish(m.Context(), m.Session(), Event{Topic: TopicCallServed, Time: now, Data: ce})
	return nil
}

// AfterReadPushBody publishes TopicPushReceived.
func (p *Plugin) AfterReadPushBody(m *rpc.Message) error {
	if !p.bus.HasSubscribers(TopicPushReceived) {
		return nil
	}
	ev := Event{Topic: TopicPushReceived, Data: PushEvent{Session: m.Session(), Method: m.ServiceMethod()}}
	p.publish(m.Context(), m.Session(), ev)
	return nil
}

// InterceptCall publishes TopicCallReturned and TopicPushSent.
func (p *Plugin) InterceptCall(next rpc.InvokeFunc) rpc.InvokeFunc {
	return func(ctx context.Context, m *rpc.Message, reply any) error {
		topic := TopicCallReturned
		if m.Type() == rpc.TypePush {
			topic = TopicPushSent
		}
		if !p.bus.HasSubscribers(topic) {
			return next(ctx, m, reply)
		}
		start := time.Now()
		err := next(ctx, m, reply)
		now := time.Now()
		var code rpc.Code
		var st error
		if s := rpc.StatusOf(err); s != nil {
			code, st = s.Code(), s
		}
		var data any
		if topic == TopicPushSent {
			data = PushEvent{Session: m.Session(), Method: m.ServiceMethod(), Code: code, Err: st}
		} else {
			data = CallEvent{Session: m.Session(), Method: m.ServiceMethod(), Code: code, Err: st, Duration: now.Sub(start)}
		}
		p.publish(ctx, m.Session(), Event{Topic: topic, Time: now, Data: data})
		return err
	}
}

func (p *Plugin) publish(ctx context.Context, s *rpc.Session, ev Event) {
	err := p.bus.Publish(ctx, ev)
	if err != nil {
		p.report(s.Endpoint().Logger(), ev.Topic, err)
	}
}

// report logs the errors of listeners, leaving out drops, ErrStop and a
// closed bus: what the bus counts, or what a listener meant.
func (p *Plugin) report(log *slog.Logger, topic string, err error) {
	if err = loud(err); err == nil || log == nil {
		return
	}
	log.Warn("event: listener failed", "topic", topic, "err", err)
}

// loud returns the errors joined in err that are not drops, ErrStop or
// ErrClosed, or nil when there are none.
func loud(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var keep []error
		for _, e := range j.Unwrap() {
			if e = loud(e); e != nil {
				keep = append(keep, e)
			}
		}
		return errors.Join(keep...)
	}
	if err == nil || errors.Is(err, ErrDropped) || errors.Is(err, ErrStop) || errors.Is(err, ErrClosed) {
		return nil
	}
	return err
}
