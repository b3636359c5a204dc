package securebody

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"

	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/filter"
)

// MetaKey is the metadata key that asks for a sealed call or push. A value
// that strconv.ParseBool reads as true ("1", "true") seals the body; one it
// reads as false sends it as usual; any other value fails the call with
// CodeInvalidArgument. The key travels with the call, so the callee sees
// it too; what protects a route is [Required], which checks the body, not
// the key.
const MetaKey = "secure-body"

// FilterName and FilterID name the transfer filter that seals bodies:
// filter.AESGCM. A call may name FilterName in rpc.WithFilters as well.
const (
	FilterName = "aes-gcm"
	FilterID   = 'a'
)

// The errors of this package. The statuses it returns wrap them, so that
// errors.Is finds them on the side where they arose; a peer receives only
// the code and the message.
var (
	// ErrKey reports a key that is not 16, 24 or 32 bytes long.
	ErrKey = errors.New("securebody: bad key")
	// ErrFilterTaken reports a Config.Filters that already holds another
	// filter with FilterID or FilterName.
	ErrFilterTaken = errors.New("securebody: the aes-gcm filter id or name is taken")
	// ErrFlag reports a MetaKey value that is not a boolean.
	ErrFlag = errors.New("securebody: bad secure-body flag")
	// ErrNotSealed reports a body that had to be sealed and was not.
	ErrNotSealed = errors.New("securebody: body not sealed")
)

// Plugin seals the bodies of the calls and pushes that ask for it with
// AES-GCM under a shared key, and its endpoint opens the bodies sealed
// with that key. Give the same key to both ends.
//
// A Plugin may serve several endpoints at once and is safe for concurrent
// use. Its key is never printed: String, GoString and LogValue name only
// its size. Make one with [New].
type Plugin struct {
	seal *filter.AESGCM
	// chains holds, for each endpoint the plugin serves, the filter
	// names of a sealed call: its DefaultFilters, then FilterName.
	chains sync.Map // *rpc.Endpoint → []string
	only   []string // the chain of an endpoint not in chains
}

var (
	_ rpc.BeforeNewEndpointHook   = (*Plugin)(nil)
	_ rpc.AfterNewEndpointHook    = (*Plugin)(nil)
	_ rpc.AfterCloseEndpointHook  = (*Plugin)(nil)
	_ rpc.CallInterceptor         = (*Plugin)(nil)
	_ rpc.BeforeWriteCallHook     = (*Plugin)(nil)
	_ rpc.BeforeWritePushHook     = (*Plugin)(nil)
	_ rpc.BeforeReadReplyBodyHook = (*Plugin)(nil)
	_ slog.LogValuer              = (*Plugin)(nil)
)

// New returns a plugin that seals bodies with key, which must be 16, 24 or
// 32 bytes long (AES-128, AES-192 or AES-256); any other length gives an
// error wrapping [ErrKey] that names only the length. The plugin keeps no
// reference to key.
func New(key []byte) (*Plugin, error) {
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, fmt.Errorf("%w: %d bytes; want 16, 24 or 32", ErrKey, len(key))
	}
	seal, err := filter.NewAESGCM(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	return &Plugin{seal: seal, only: []string{FilterName}}, nil
}

// On is the call option that asks for a sealed call or push: the metadata
// pair MetaKey=1.
func On() rpc.CallOption { return rpc.WithMeta(MetaKey, "1") }

// Name returns "securebody".
func (*Plugin) Name() string { return "securebody" }

// String describes the plugin without its key:
// "securebody(aes-gcm(key redacted, 256-bit))".
func (p *Plugin) String() string {
	if p == nil || p.seal == nil {
		return "securebody(no key)"
	}
	return "securebody(" + p.seal.String() + ")"
}

// GoString returns the same as String, so that %#v prints no key either.
func (p *Plugin) GoString() string { return p.String() }

// LogValue implements slog.LogValuer: the plugin logs as its String.
func (p *Plugin) LogValue() slog.Value { return slog.StringValue(p.String()) }

// BeforeNewEndpoint adds the sealing filter to cfg.Filters. It fails, with
// an error wrapping [ErrFilterTaken], when cfg.Filters already holds another
// filter with its id or name; this plugin's own filter (in a Config copied
// from an endpoint it serves) is left as it is.
func (p *Plugin) BeforeNewEndpoint(cfg *rpc.Config) error {
	for _, f := range cfg.Filters {
		if f == wire.Filter(p.seal) {
			return nil
		}
		if f != nil && (f.ID() == FilterID || f.Name() == FilterName) {
			return fmt.Errorf("%w: Config.Filters holds %s (id %q)", ErrFilterTaken, f.Name(), f.ID())
		}
	}
	// Clip, so that the caller's backing array is never written.
	cfg.Filters = append(slices.Clip(cfg.Filters), p.seal)
	return nil
}

// AfterNewEndpoint records the filters of the endpoint's sealed calls: its
// Config.DefaultFilters followed by FilterName, unless they name it
// already.
func (p *Plugin) AfterNewEndpoint(e *rpc.Endpoint) error {
	chain := slices.Clone(e.Config().DefaultFilters)
	if !slices.Contains(chain, FilterName) {
		chain = append(chain, FilterName)
	}
	p.chains.Store(e, chain)
	return nil
}

// AfterCloseEndpoint forgets the endpoint.
func (p *Plugin) AfterCloseEndpoint(e *rpc.Endpoint, _ error) error {
	p.chains.Delete(e)
	return nil
}

// sealedKey marks, in the context of a call, that the call was sealed, so
// that its reply must be too.
type sealedKey struct{}

// InterceptCall seals the calls and pushes whose metadata asks for it:
// they go through the endpoint's DefaultFilters and then the sealing
// filter, whatever rpc.WithFilters said, so that gzip (which a sealed body
// defeats) runs first. A call without the flag passes through untouched.
func (p *Plugin) InterceptCall(next rpc.InvokeFunc) rpc.InvokeFunc {
	return func(ctx context.Context, m *rpc.Message, reply any) error {
		on, err := flag(m)
		if err != nil {
			return err
		}
		if !on {
			return next(ctx, m, reply)
		}
		chain := p.only
		if c, ok := p.chains.Load(m.Session().Endpoint()); ok {
			chain = c.([]string)
		}
		m.SetFilters(chain...)
		if m.Type() == rpc.TypeCall {
			ctx = context.WithValue(ctx, sealedKey{}, true)
		}
		return next(ctx, m, reply)
	}
}

// BeforeWriteCall refuses to send a call that asks to be sealed and is not
// (see [Plugin.BeforeWritePush]).
func (p *Plugin) BeforeWriteCall(m *rpc.Message) error { return checkOut(m) }

// BeforeWritePush refuses to send a push that asks to be sealed and is
// not: one whose body is empty (the rpc layer applies no filter to an
// empty body, and a call's reply goes back through the filters its call
// went through, so a call without a body would get its reply in the clear;
// send a value such as struct{}{} instead of nil), or one whose filters an
// inner interceptor changed after InterceptCall chose them. The error is a
// status with CodeInvalidArgument wrapping [ErrNotSealed]; nothing is sent.
func (p *Plugin) BeforeWritePush(m *rpc.Message) error { return checkOut(m) }

// BeforeReadReplyBody fails a sealed call whose successful reply came back
// with a body that is not sealed: only a peer that does not follow the
// protocol, or someone between the two, sends that. The error is a status
// with CodeBadMessage wrapping [ErrNotSealed].
func (p *Plugin) BeforeReadReplyBody(m *rpc.Message) error {
	if m.Status() != nil || len(m.RawBody()) == 0 || Sealed(m.Filters()) || m.Context().Value(sealedKey{}) == nil {
		return nil
	}
	return rpc.Errorf(rpc.CodeBadMessage, "%w: the reply to %s came back in the clear", ErrNotSealed, m.ServiceMethod())
}

// checkOut fails a call or push that asks to be sealed and is not.
func checkOut(m *rpc.Message) error {
	if Sealed(m.Filters()) {
		return nil
	}
	on, err := flag(m)
	if err != nil || !on {
		return err
	}
	what := "call"
	if m.Type() == rpc.TypePush {
		what = "push"
	}
	if len(m.RawBody()) == 0 {
		return rpc.Errorf(rpc.CodeInvalidArgument, "%w: %s %s has an empty body, which cannot be sealed; send a value such as struct{}{}", ErrNotSealed, what, m.ServiceMethod())
	}
	return rpc.Errorf(rpc.CodeInvalidArgument, "%w: %s %s asks to be sealed, but its filters are %q", ErrNotSealed, what, m.ServiceMethod(), m.Filters())
}

// flag reads MetaKey from m's metadata.
func flag(m *rpc.Message) (bool, error) {
	v, ok := m.Meta().Lookup(MetaKey)
	if !ok {
		return false, nil
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		return false, rpc.Errorf(rpc.CodeInvalidArgument, "%w: %s=%q on %s; want 1 or true, 0 or false", ErrFlag, MetaKey, v, m.ServiceMethod())
	}
	return on, nil
}

// Sealed reports whether filters, the ids of the transfer filters applied
// to a body (rpc.Message.Filters), include the sealing filter.
func Sealed(filters []byte) bool {
	return slices.Contains(filters, FilterID)
}
