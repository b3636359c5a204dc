package rpc

import "github.com/dmicro-go/dmicro/rpc/wire"

// CallOption sets something for one call or push. Options are made by the
// With functions of this package.
type CallOption interface {
	apply(*callOptions)
}

type callOptions struct {
	meta         wire.Metadata
	codec        string
	replyMeta    *Metadata
	waitForReady bool
	filters      []string
	filtersSet   bool
}

type optionFunc func(*callOptions)

func (f optionFunc) apply(o *callOptions) { f(o) }

// WithMeta sets a metadata pair on the call or push.
func WithMeta(key, value string) CallOption {
	return optionFunc(func(o *callOptions) { o.meta.Set(key, value) })
}

// WithCodec encodes the body with the codec of that name ("json",
// "protobuf", "plain", "form", "xml" or one added in Config.Codecs). The
// reply comes back in the same codec. An unknown name fails with CodeCodec.
func WithCodec(name string) CallOption {
	return optionFunc(func(o *callOptions) { o.codec = name })
}

// WithFilters applies the named transfer filters (from Config.Filters), in
// order, to the body of the call or push instead of Config.DefaultFilters;
// with no names, none. The reply comes back through the same filters. An
// unknown name fails with CodeInvalidArgument.
func WithFilters(names ...string) CallOption {
	return optionFunc(func(o *callOptions) { o.filters, o.filtersSet = names, true })
}

// WithReplyMeta stores the reply's metadata in md when the call returns
// with the peer's reply, an error reply too (md's pairs are replaced). When
// the call fails without a reply the endpoint could read (it was not sent,
// the connection was lost, the deadline passed first, a hook or filter
// refused the reply), md is left as it was: a proxy tells a status from its
// upstream from a failure of its own that way.
func WithReplyMeta(md *Metadata) CallOption {
	return optionFunc(func(o *callOptions) { o.replyMeta = md })
}

// WithWaitForReady makes a call on a session that is down wait, until its
// context ends, for the session to come back, instead of failing at once
// with CodeUnavailable.
func WithWaitForReady() CallOption {
	return optionFunc(func(o *callOptions) { o.waitForReady = true })
}

func collectOptions(o *callOptions, opts []CallOption) {
	for _, opt := range opts {
		if opt != nil {
			opt.apply(o)
		}
	}
}
