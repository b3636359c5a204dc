package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

// DefaultHandshakeTimeout is the time an accepted session has to present a
// valid credential when ServerConfig.HandshakeTimeout is zero.
const DefaultHandshakeTimeout = 10 * time.Second

// maxRemembered bounds the credentials other than its first that a session
// remembers as verified (users sharing a proxy's connection); past it the
// session forgets them all and verifies again as they come.
const maxRemembered = 64

// ServerConfig configures a [Server]. Verify is required; the other fields'
// zero values work.
type ServerConfig struct {
	// Verify checks a credential: the value of the metadata pair MetaKey
	// (over the http format, the Authorization header), such as
	// "Bearer <token>", received on session s. It returns the identity
	// that handlers get from IdentityFrom (any value, nil included), or an
	// error to refuse the credential.
	//
	// A refusal answers the message with CodeUnauthorized and the message
	// "auth: credential refused", whatever the error says, unless the
	// error is (or wraps) a *rpc.Status: its code and message are then
	// the answer, so write them for the peer. The error itself is logged
	// at Debug level, so it must not hold the credential.
	//
	// Verify runs in the session's reader, before the message is routed:
	// the session reads nothing else meanwhile. ctx ends with the session
	// and after the handshake timeout. A session calls it once for each
	// distinct credential, not once per message. It must be safe for
	// concurrent use: sessions verify at the same time.
	Verify func(ctx context.Context, cred string, s *rpc.Session) (identity any, err error)

	// HandshakeTimeout is how long an accepted session may go without
	// presenting a valid credential before it is closed: the connection
	// closes and the session's Err is a CodeUnauthorized status. Zero means
	// DefaultHandshakeTimeout; negative means no limit (the endpoint's
	// FirstFrameTimeout and IdleTimeout still apply).
	HandshakeTimeout time.Duration

	// Public lists the paths that a message without a credential may
	// reach, as "/health"; an entry that ends in "/" covers every path
	// under it ("/public/"). A message to them that carries a credential
	// is checked all the same. Calls to public paths do not count as
	// presenting a credential: the handshake timeout still runs. Nil: every
	// message needs a credential.
	Public []string
}

// Server is the server side of the auth plugin: give it to rpc.NewEndpoint.
// Each call and push an accepted session sends must carry a credential
// (see MetaKey) that ServerConfig.Verify accepts, before it is routed;
// handlers get the identity Verify gave from [IdentityFrom].
//
// A message without a credential, or with one Verify refuses, is answered
// CodeUnauthorized (a push is dropped). If its session has not yet
// presented a valid credential, the session is then closed once the
// answer is written (the peer's session ends with the refusal's status),
// refusing every message meanwhile, except on an endpoint that serves the http format (see below). A session
// that has presented one (its client dialed with a [Client]) stays open,
// since over HTTP a proxy may pass the requests of several users on one
// connection. Sessions the endpoint dialed itself are not checked.
//
// Over the http format a refusal never closes the connection: HTTP clients
// answer a 401 by sending the request again with a credential, on the same
// connection. A connection that never presents a valid credential is
// closed by the handshake timeout, over every format.
//
// A Server is safe for concurrent use.
type Server struct {
	verify   func(ctx context.Context, cred string, s *rpc.Session) (any, error)
	timeout  time.Duration // the handshake timeout; 0 for none
	public   map[string]bool
	prefixes []string // public entries that end in "/"

	// The answers the server gives, made once.
	missing, refused, expired *rpc.Status
}

var (
	_ rpc.AfterNewEndpointHook    = (*Server)(nil)
	_ rpc.AfterAcceptHook         = (*Server)(nil)
	_ rpc.AfterDisconnectHook     = (*Server)(nil)
	_ rpc.AfterReadCallHeaderHook = (*Server)(nil)
	_ rpc.AfterReadPushHeaderHook = (*Server)(nil)
	_ rpc.AfterWriteReplyHook     = (*Server)(nil)
	_ rpc.HandlerInterceptor      = (*Server)(nil)
)

// NewServer returns the server plugin for cfg. It fails, with an error
// wrapping ErrConfig, when cfg.Verify is nil.
func NewServer(cfg ServerConfig) (*Server, error) {
	if cfg.Verify == nil {
		return nil, fmt.Errorf("%w: ServerConfig.Verify is nil", ErrConfig)
	}
	p := &Server{verify: cfg.Verify, timeout: cfg.HandshakeTimeout}
	if p.timeout == 0 {
		p.timeout = DefaultHandshakeTimeout
	}
	if p.timeout < 0 {
		p.timeout = 0
	}
	for _, path := range cfg.Public {
		if strings.HasSuffix(path, "/") {
			p.prefixes = append(p.prefixes, path)
			continue
		}
		if p.public == nil {
			p.public = make(map[string]bool)
		}
		p.public[path] = true
	}
	p.missing = rpc.NewStatus(rpc.CodeUnauthorized, "auth: missing credential")
	p.refused = rpc.NewStatus(rpc.CodeUnauthorized, "auth: credential refused")
	p.expired = rpc.Errorf(rpc.CodeUnauthorized, "auth: no valid credential within %v", p.timeout)
	return p, nil
}

// Name returns "auth".
func (*Server) Name() string { return "auth" }

// AfterNewEndpoint registers the handler of [Path] on the endpoint's router.
func (p *Server) AfterNewEndpoint(e *rpc.Endpoint) error {
	return e.Router().HandleCall(Path, rpc.CallFunc(func(*rpc.CallCtx, *rpc.Raw) (any, error) {
		return nil, nil // the credential was checked before routing
	}))
}

// session is what the server knows of an accepted session, kept in its
// Values under sessionKey for the session's life.
type session struct {
	first    atomic.Pointer[verified]   // the first credential verified
	refused  atomic.Pointer[rpc.Status] // the refusal that closes the session
	timer    *time.Timer                // closes the session unless it authenticates; set before it reads
	keepOpen bool                       // a refusal does not close the session (http)

	mu     sync.Mutex
	others map[string]*verified // other credentials verified here
}

// sessionKey is the key of a *session in rpc.Session.Values.
type sessionKey struct{}

// sessionOf returns the server's state of s, or nil for a session it does
// not check.
func sessionOf(s *rpc.Session) *session {
	v, _ := s.Values().Load(sessionKey{})
	st, _ := v.(*session)
	return st
}

// lookup returns the verified record of cred on this session, or nil.
func (st *session) lookup(cred string) *verified {
	if v := st.first.Load(); v != nil && v.cred == cred {
		return v
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.others[cred]
}

// remember records v as verified on this session.
func (st *session) remember(v *verified) {
	if st.first.CompareAndSwap(nil, v) {
		st.timer.Stop()
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.others == nil || len(st.others) >= maxRemembered {
		st.others = make(map[string]*verified)
	}
	st.others[v.cred] = v
}

// AfterAccept starts the session's handshake timer.
func (p *Server) AfterAccept(s *rpc.Session) error {
	st := &session{keepOpen: servesHTTP(s.Endpoint().Config())}
	d := p.timeout
	if d == 0 {
		d = time.Hour // stopped below
	}
	st.timer = time.AfterFunc(d, func() {
		if st.first.Load() != nil {
			return
		}
		why := st.refused.Load()
		if why == nil {
			why = p.expired
		}
		s.Endpoint().Logger().Debug("auth: no valid credential; closing", "remote", remote(s), "err", why)
		s.CloseWithError(why)
	})
	if p.timeout == 0 {
		st.timer.Stop() // no handshake timeout; refuse may still start it
	}
	s.Values().Store(sessionKey{}, st)
	return nil
}

// AfterDisconnect stops the session's timer.
func (p *Server) AfterDisconnect(s *rpc.Session, _ error) error {
	if st := sessionOf(s); st != nil {
		st.timer.Stop()
	}
	return nil
}

// AfterReadCallHeader checks the credential of a call; its error is the
// caller's answer.
func (p *Server) AfterReadCallHeader(m *rpc.Message) error { return p.check(m) }

// AfterReadPushHeader checks the credential of a push; its error drops the
// push.
func (p *Server) AfterReadPushHeader(m *rpc.Message) error { return p.check(m) }

// check lets m through if it carries a credential that is, or was before
// on this session, verified, or goes to a public path without one.
func (p *Server) check(m *rpc.Message) error {
	s := m.Session()
	st := sessionOf(s)
	if st == nil {
		return nil // a session this endpoint dialed
	}
	if why := st.refused.Load(); why != nil {
		return why // closing: see refuse
	}
	cred := m.Meta().Get(MetaKey)
	if cred == "" {
		if p.isPublic(m.ServiceMethod()) {
			return nil
		}
		return p.refuse(m, st, p.missing, nil)
	}
	if st.lookup(cred) != nil {
		return nil
	}
	v, err := p.run(s, cred)
	if err != nil {
		return p.refuse(m, st, p.answer(err), err)
	}
	st.remember(v)
	return nil
}

// run calls Verify for cred, bounded by the session and the handshake
// timeout.
func (p *Server) run(s *rpc.Session, cred string) (*verified, error) {
	limit := p.timeout
	if limit == 0 {
		limit = DefaultHandshakeTimeout
	}
	ctx, cancel := context.WithTimeout(s.Context(), limit)
	defer cancel()
	id, err := p.verify(ctx, cred, s)
	if err != nil {
		return nil, err
	}
	return &verified{cred: cred, id: id}, nil
}

// answer is what the peer is told of a Verify error.
func (p *Server) answer(err error) *rpc.Status {
	var st *rpc.Status
	if errors.As(err, &st) && st.Code() != 0 {
		return st
	}
	return p.refused
}

// refuse answers m with why. A session that never presented a valid
// credential is then closed: at once for a push, which has no answer; for
// a call by AfterWriteReply, once the answer is queued, so that it reaches
// the peer before the connection error that closes the session. Meanwhile
// every message is refused (see check).
func (p *Server) refuse(m *rpc.Message, st *session, why *rpc.Status, err error) error {
	s := m.Session()
	closing := st.first.Load() == nil && !st.keepOpen
	if closing && st.refused.CompareAndSwap(nil, why) && m.Type() == rpc.TypePush {
		s.CloseWithError(why)
	}
	if err == nil {
		err = why
	}
	s.Endpoint().Logger().Debug("auth: message refused", "remote", remote(s), "method", m.ServiceMethod(), "closing", closing, "err", err)
	return why
}

// AfterWriteReply closes a session refused before it authenticated, once
// the answer to a refused call is queued (see refuse).
func (p *Server) AfterWriteReply(m *rpc.Message) error {
	if m.Status() == nil {
		return nil
	}
	st := sessionOf(m.Session())
	if st == nil {
		return nil
	}
	if why := st.refused.Load(); why != nil {
		m.Session().CloseWithError(why)
	}
	return nil
}

// servesHTTP reports whether an endpoint with cfg may serve the http
// format, whose sessions are not closed on a refusal: an HTTP client may
// answer a 401 by sending the request again with a credential on the same
// connection (RFC 9110, section 11), and one that did not read a
// "Connection: close" would find that connection closed under it.
func servesHTTP(cfg rpc.Config) bool {
	if cfg.Format != nil && cfg.Format.Name() == "http" {
		return true
	}
	for _, f := range cfg.Formats {
		if f != nil && f.Name() == "http" {
			return true
		}
	}
	return false
}

// isPublic reports whether path may be reached without a credential.
func (p *Server) isPublic(path string) bool {
	if p.public[path] {
		return true
	}
	for _, prefix := range p.prefixes {
		if strings.HasPrefix(path, prefix) {
			return true
		}
	}
	return false
}

// InterceptHandler puts the identity of the message's credential in the
// handler's context, for IdentityFrom.
func (p *Server) InterceptHandler(next rpc.HandlerFunc) rpc.HandlerFunc {
	return func(ctx context.Context, m *rpc.Message) (any, error) {
		st := sessionOf(m.Session())
		if st == nil {
			return next(ctx, m)
		}
		cred := m.Meta().Get(MetaKey)
		if cred == "" {
			return next(ctx, m) // a public path
		}
		v := st.lookup(cred)
		if v == nil {
			// Verified by check, then forgotten by the session (over
			// maxRemembered credentials) before its handler ran.
			var err error
			if v, err = p.run(m.Session(), cred); err != nil {
				return nil, p.answer(err)
			}
			st.remember(v)
		}
		return next(context.WithValue(ctx, identityKey{}, v), m)
	}
}

// remote returns the peer's address for logs.
func remote(s *rpc.Session) string {
	if a := s.RemoteAddr(); a != nil {
		return a.String()
	}
	return ""
}
