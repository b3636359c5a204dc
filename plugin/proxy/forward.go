package proxy

import (
	"context"
	"net"
	"strconv"

	"github.com/dmicro-go/dmicro/rpc"
)

// noReply is the metadata pair the reply metadata of a forwarded call holds
// until a reply arrives: rpc stores the reply's metadata (replacing it)
// only when a reply was read, so a call that fails with the pair still
// there failed on the proxy's side (dial, connection, deadline) and its
// error is made to name the upstream, while an upstream's error reply
// crosses unchanged. The key is no HTTP token and no header can carry it.
const noReply = "\x00proxy: no reply"

// forward is the state of one forwarded call or push, pooled: the options
// and metadata it sends with, and the reply metadata it receives.
type forward struct {
	arg       rpc.Raw
	md        rpc.Metadata // the reply's metadata
	opts      []rpc.CallOption
	replyMeta rpc.CallOption // rpc.WithReplyMeta(&md), made once
}

func newForward() any {
	f := new(forward)
	f.replyMeta = rpc.WithReplyMeta(&f.md)
	return f
}

func (p *Proxy) getForward() *forward { return p.forwards.Get().(*forward) }

func (p *Proxy) putForward(f *forward) {
	f.arg = rpc.Raw{}
	f.md.Reset()
	clear(f.opts)
	f.opts = f.opts[:0]
	p.forwards.Put(f)
}

// ForwardCall forwards the call of ctx to its upstream and returns the
// reply: the body in the upstream's codec, undecoded (an *rpc.Raw), with
// the upstream's reply metadata; or the upstream's error status as it is.
// When the upstream cannot be reached, or its session fails during the
// call, the error keeps the failure's code (CodeDialFailed for a dial
// that failed, CodeConnClosed for a connection lost with the call in
// flight, CodeUnavailable for a session that is reconnecting) and its
// message names the upstream. The call runs with the handler's context:
// it ends at the caller's deadline and when the caller cancels.
//
// It is the fallback the proxy sets with Router.SetUnknownCall.
func (p *Proxy) ForwardCall(ctx *rpc.CallCtx) (any, error) {
	hctx := ctx.Context()
	method := ctx.ServiceMethod()
	f := p.getForward()
	defer p.putForward(f)
	addr, err := p.prepare(hctx, f, method, false, ctx.RequestMeta(), ctx.Session(), ctx.RemoteAddr())
	if err != nil {
		return nil, err
	}
	u, err := p.pool.get(hctx, addr)
	if err != nil {
		return nil, err
	}
	defer p.pool.put(u)
	f.md.Set(noReply, noReply)
	f.arg = rpc.Raw{Codec: ctx.BodyCodec(), Data: ctx.RawBody()}
	reply := new(rpc.Raw) // rpc encodes it after this returns: not pooled
	f.opts = append(f.opts, f.replyMeta)
	err = u.sess.Call(hctx, method, &f.arg, reply, f.opts...)
	if f.md.Len() == 1 && f.md.Get(noReply) == noReply {
		if err != nil {
			return nil, upstreamError(addr, err)
		}
		f.md.Reset() // a call interceptor of the client answered it
	}
	ctx.ReplyMeta().CopyFrom(&f.md)
	if err != nil {
		return nil, err
	}
	return reply, nil
}

// ForwardPush forwards the push of ctx to its upstream. The push goes on
// even if the connection it came on closes meanwhile; its dial is bounded
// by the client's DialTimeout. An error (the upstream cannot be reached)
// is logged by the endpoint, as for any push handler.
//
// It is the fallback the proxy sets with Router.SetUnknownPush.
func (p *Proxy) ForwardPush(ctx *rpc.PushCtx) error {
	method := ctx.ServiceMethod()
	hctx := context.WithoutCancel(ctx.Context())
	f := p.getForward()
	defer p.putForward(f)
	addr, err := p.prepare(hctx, f, method, true, ctx.RequestMeta(), ctx.Session(), ctx.RemoteAddr())
	if err != nil {
		return err
	}
	u, err := p.pool.get(hctx, addr)
	if err != nil {
		return err
	}
	defer p.pool.put(u)
	f.arg = rpc.Raw{Codec: ctx.BodyCodec(), Data: ctx.RawBody()}
	if err := u.sess.Push(hctx, method, &f.arg, f.opts...); err != nil {
		return upstreamError(addr, err)
	}
	return nil
}

// prepare chooses the upstream of a call or push and appends to f.opts the
// options that carry its metadata: the caller's pairs, the hop count and
// the caller's address.
func (p *Proxy) prepare(ctx context.Context, f *forward, method string, push bool, meta *rpc.Metadata, s *rpc.Session, remote net.Addr) (string, error) {
	hops := 0
	if p.maxHops > 0 {
		if v, ok := meta.Lookup(HopsKey); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return "", rpc.Errorf(rpc.CodeBadMessage, "proxy: %s: metadata %s=%q is not a count of hops", method, HopsKey, v)
			}
			hops = n
		}
		if hops >= p.maxHops {
			return "", rpc.Errorf(rpc.CodeInternal, "proxy: %s: passed %d proxies, the most allowed (a loop of proxies?)", method, hops)
		}
	}
	addr := p.cfg.Addr
	if pick := p.cfg.Pick; pick != nil {
		var err error
		addr, err = pick(ctx, Request{Method: method, Push: push, Meta: meta, Session: s})
		if err != nil {
			if st := rpc.StatusOf(err); st.Code() != rpc.CodeUnknown {
				return "", st
			}
			return "", rpc.WrapStatus(rpc.CodeUnavailable, "proxy: pick upstream of "+method, err)
		}
		if addr == "" {
			return "", rpc.NewStatus(rpc.CodeNotFound, "proxy: no upstream for "+method)
		}
	}
	counting := p.maxHops > 0
	meta.Range(func(k, v string) bool {
		// A repeated key crosses once, with the value a handler reads
		// (the first): rpc.WithMeta keeps keys unique.
		if (k != HopsKey || !counting) && meta.Get(k) == v {
			f.opts = append(f.opts, rpc.WithMeta(k, v))
		}
		return true
	})
	if counting {
		f.opts = append(f.opts, p.hopOption(hops+1))
	}
	if key := p.cfg.RealIPKey; key != "" && remote != nil {
		if _, ok := meta.Lookup(key); !ok {
			f.opts = append(f.opts, rpc.WithMeta(key, hostOf(remote)))
		}
	}
	return addr, nil
}

// hopOption returns the option that sets HopsKey to n: made once for the
// counts up to MaxHops (or 64).
func (p *Proxy) hopOption(n int) rpc.CallOption {
	if n < len(p.hopOpts) {
		return p.hopOpts[n]
	}
	return rpc.WithMeta(HopsKey, strconv.Itoa(n))
}

// hostOf returns the IP of a network address, or the whole address when it
// has no port (a unix socket).
func hostOf(a net.Addr) string {
	s := a.String()
	if h, _, err := net.SplitHostPort(s); err == nil {
		return h
	}
	return s
}
