package rpc

import "fmt"

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
	handlerInterceptors []HandlerInterceptor
	callInterceptors    []CallInterceptor
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
	addHook(&ps.handlerInterceptors, p)
	addHook(&ps.callInterceptors, p)
}

// runHook runs hook, a method expression of a hook interface such as
// BeforeWriteCallHook.BeforeWriteCall, on each of hooks with a, until one
// fails. It makes no closure, so the call path pays a length check for a
// hook no plugin implements.
func runHook[H, A any](hooks []H, hook func(H, A) error, a A) error {
	for _, h := range hooks {
		if err := hook(h, a); err != nil {
			return err
		}
	}
	return nil
}

// run calls f for each hook until one fails; for the hooks off the call
// path that take more than one argument.
func run[H any](hooks []H, f func(H) error) error {
	for _, h := range hooks {
		if err := f(h); err != nil {
			return err
		}
	}
	return nil
}
