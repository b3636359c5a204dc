package rpc

import (
	"fmt"
	"net"
)

// pluginSet holds plugins and, per hook, the plugins that implement it. It
// is immutable once built, so the call path reads it without locks.
type pluginSet struct {
	list []Plugin

	beforeNewEndpoint   []BeforeNewEndpointHook
	afterNewEndpoint    []AfterNewEndpointHook
	beforeCloseEndpoint []BeforeCloseEndpointHook
	afterCloseEndpoint  []AfterCloseEndpointHook
	afterRoute          []AfterRouteHook
	afterListen         []AfterListenHook
	beforeDial          []BeforeDialHook
	afterDial           []AfterDialHook
	afterDialFail       []AfterDialFailHook
	afterAccept         []AfterAcceptHook
	afterDisconnect     []AfterDisconnectHook
	beforeWriteCall     []BeforeWriteCallHook
	afterWriteCall      []AfterWriteCallHook
	beforeWriteReply    []BeforeWriteReplyHook
	afterWriteReply     []AfterWriteReplyHook
	beforeWritePush     []BeforeWritePushHook
	afterWritePush      []AfterWritePushHook
	beforeReadHeader    []BeforeReadHeaderHook
	afterReadCallHeader []AfterReadCallHeaderHook
	beforeReadCallBody  []BeforeReadCallBodyHook
	afterReadCallBody   []AfterReadCallBodyHook
	afterReadPushHeader []AfterReadPushHeaderHook
	beforeReadPushBody  []BeforeReadPushBodyHook
	afterReadPushBody   []AfterReadPushBodyHook
	afterReadReplyHdr   []AfterReadReplyHeaderHook
	beforeReadReplyBody []BeforeReadReplyBodyHook
	afterReadReplyBody  []AfterReadReplyBodyHook
}

// newPluginSet returns base's plugins followed by add. A nil plugin or a
// name used twice is an error.
func newPluginSet(base *pluginSet, add []Plugin) (*pluginSet, error) {
	ps := &pluginSet{}
	var all []Plugin
	if base != nil {
		all = append(all, base.list...)
	}
	seen := make(map[string]bool, len(all)+len(add))
	for _, p := range all {
		seen[p.Name()] = true
	}
	for _, p := range add {
		if p == nil {
			return nil, fmt.Errorf("rpc: nil plugin")
		}
		if seen[p.Name()] {
			return nil, fmt.Errorf("rpc: plugin %q registered twice", p.Name())
		}
		seen[p.Name()] = true
		all = append(all, p)
	}
	for _, p := range all {
		ps.add(p)
	}
	return ps, nil
}

func addHook[H any](list *[]H, p Plugin) {
	if h, ok := p.(H); ok {
		*list = append(*list, h)
	}
}

func (ps *pluginSet) add(p Plugin) {
	ps.list = append(ps.list, p)
	addHook(&ps.beforeNewEndpoint, p)
	addHook(&ps.afterNewEndpoint, p)
	addHook(&ps.beforeCloseEndpoint, p)
	addHook(&ps.afterCloseEndpoint, p)
	addHook(&ps.afterRoute, p)
	addHook(&ps.afterListen, p)
	addHook(&ps.beforeDial, p)
	addHook(&ps.afterDial, p)
	addHook(&ps.afterDialFail, p)
	addHook(&ps.afterAccept, p)
	addHook(&ps.afterDisconnect, p)
	addHook(&ps.beforeWriteCall, p)
	addHook(&ps.afterWriteCall, p)
	addHook(&ps.beforeWriteReply, p)
	addHook(&ps.afterWriteReply, p)
	addHook(&ps.beforeWritePush, p)
	addHook(&ps.afterWritePush, p)
	addHook(&ps.beforeReadHeader, p)
	addHook(&ps.afterReadCallHeader, p)
	addHook(&ps.beforeReadCallBody, p)
	addHook(&ps.afterReadCallBody, p)
	addHook(&ps.afterReadPushHeader, p)
	addHook(&ps.beforeReadPushBody, p)
	addHook(&ps.afterReadPushBody, p)
	addHook(&ps.afterReadReplyHdr, p)
	addHook(&ps.beforeReadReplyBody, p)
	addHook(&ps.afterReadReplyBody, p)
}

// run calls f for each hook until one fails. The loops below are written
// out per hook so that the call path makes no closure.
func run[H any](hooks []H, f func(H) error) error {
	for _, h := range hooks {
		if err := f(h); err != nil {
			return err
		}
	}
	return nil
}

func (ps *pluginSet) runBeforeNewEndpoint(c *Config) error {
	return run(ps.beforeNewEndpoint, func(h BeforeNewEndpointHook) error { return h.BeforeNewEndpoint(c) })
}

func (ps *pluginSet) runAfterNewEndpoint(e *Endpoint) error {
	return run(ps.afterNewEndpoint, func(h AfterNewEndpointHook) error { return h.AfterNewEndpoint(e) })
}

func (ps *pluginSet) runBeforeCloseEndpoint(e *Endpoint) error {
	return run(ps.beforeCloseEndpoint, func(h BeforeCloseEndpointHook) error { return h.BeforeCloseEndpoint(e) })
}

func (ps *pluginSet) runAfterCloseEndpoint(e *Endpoint, err error) error {
	return run(ps.afterCloseEndpoint, func(h AfterCloseEndpointHook) error { return h.AfterCloseEndpoint(e, err) })
}

func (ps *pluginSet) runAfterRoute(r RouteInfo) error {
	return run(ps.afterRoute, func(h AfterRouteHook) error { return h.AfterRoute(r) })
}

func (ps *pluginSet) runAfterListen(a net.Addr) error {
	return run(ps.afterListen, func(h AfterListenHook) error { return h.AfterListen(a) })
}

func (ps *pluginSet) runBeforeDial(addr string, redial bool) error {
	return run(ps.beforeDial, func(h BeforeDialHook) error { return h.BeforeDial(addr, redial) })
}

func (ps *pluginSet) runAfterDial(s *Session, redial bool) error {
	return run(ps.afterDial, func(h AfterDialHook) error { return h.AfterDial(s, redial) })
}

func (ps *pluginSet) runAfterAccept(s *Session) error {
	return run(ps.afterAccept, func(h AfterAcceptHook) error { return h.AfterAccept(s) })
}

// The message hooks below sit on the call path.

func (ps *pluginSet) runBeforeWriteCall(m *Message) error {
	for _, h := range ps.beforeWriteCall {
		if err := h.BeforeWriteCall(m); err != nil {
			return err
		}
	}
	return nil
}

func (ps *pluginSet) runAfterWriteCall(m *Message) error {
	for _, h := range ps.afterWriteCall {
		if err := h.AfterWriteCall(m); err != nil {
			return err
		}
	}
	return nil
}

func (ps *pluginSet) runBeforeWriteReply(m *Message) error {
	for _, h := range ps.beforeWriteReply {
		if err := h.BeforeWriteReply(m); err != nil {
			return err
		}
	}
	return nil
}

func (ps *pluginSet) runAfterWriteReply(m *Message) error {
	for _, h := range ps.afterWriteReply {
		if err := h.AfterWriteReply(m); err != nil {
			return err
		}
	}
	return nil
}

func (ps *pluginSet) runBeforeWritePush(m *Message) error {
	for _, h := range ps.beforeWritePush {
		if err := h.BeforeWritePush(m); err != nil {
			return err
		}
	}
	return nil
}

func (ps *pluginSet) runAfterWritePush(m *Message) error {
	for _, h := range ps.afterWritePush {
		if err := h.AfterWritePush(m); err != nil {
			return err
		}
	}
	return nil
}

func (ps *pluginSet) runBeforeReadHeader(s *Session) error {
	for _, h := range ps.beforeReadHeader {
		if err := h.BeforeReadHeader(s); err != nil {
			return err
		}
	}
	return nil
}

func (ps *pluginSet) runAfterReadCallHeader(m *Message) error {
	for _, h := range ps.afterReadCallHeader {
		if err := h.AfterReadCallHeader(m); err != nil {
			return err
		}
	}
	return nil
}

func (ps *pluginSet) runBeforeReadCallBody(m *Message) error {
	for _, h := range ps.beforeReadCallBody {
		if err := h.BeforeReadCallBody(m); err != nil {
			return err
		}
	}
	return nil
}

func (ps *pluginSet) runAfterReadCallBody(m *Message) error {
	for _, h := range ps.afterReadCallBody {
		if err := h.AfterReadCallBody(m); err != nil {
			return err
		}
	}
	return nil
}

func (ps *pluginSet) runAfterReadPushHeader(m *Message) error {
	for _, h := range ps.afterReadPushHeader {
		if err := h.AfterReadPushHeader(m); err != nil {
			return err
		}
	}
	return nil
}

func (ps *pluginSet) runBeforeReadPushBody(m *Message) error {
	for _, h := range ps.beforeReadPushBody {
		if err := h.BeforeReadPushBody(m); err != nil {
			return err
		}
	}
	return nil
}

func (ps *pluginSet) runAfterReadPushBody(m *Message) error {
	for _, h := range ps.afterReadPushBody {
		if err := h.AfterReadPushBody(m); err != nil {
			return err
		}
	}
	return nil
}

func (ps *pluginSet) runAfterReadReplyHeader(m *Message) error {
	for _, h := range ps.afterReadReplyHdr {
		if err := h.AfterReadReplyHeader(m); err != nil {
			return err
		}
	}
	return nil
}

func (ps *pluginSet) runBeforeReadReplyBody(m *Message) error {
	for _, h := range ps.beforeReadReplyBody {
		if err := h.BeforeReadReplyBody(m); err != nil {
			return err
		}
	}
	return nil
}

func (ps *pluginSet) runAfterReadReplyBody(m *Message) error {
	for _, h := range ps.afterReadReplyBody {
		if err := h.AfterReadReplyBody(m); err != nil {
			return err
		}
	}
	return nil
}
