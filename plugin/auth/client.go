package auth

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

// DefaultTimeout bounds ClientConfig.Credential and the hello call when
// ClientConfig.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// ClientConfig configures a [Client]: set Token or Credential, not both.
type ClientConfig struct {
	// Token is a bearer token: calls carry "Bearer " + Token.
	Token string
	// Credential returns the whole credential, such as "Bearer <token>",
	// for a session being dialed (or redialed: it is called for every
	// connection, so it may hand out fresh tokens). It runs in the dial,
	// which it holds up, bounded by ctx. Its error, or an empty
	// credential, fails the dial with a CodeUnauthorized status wrapping
	// ErrCredential (and its error).
	Credential func(ctx context.Context, s *rpc.Session) (string, error)
	// Timeout bounds each call of Credential and each hello call. Zero
	// means DefaultTimeout.
	Timeout time.Duration
}

// String returns the config with the token hidden, so that printing it
// never shows the secret.
func (c ClientConfig) String() string {
	token := ""
	if c.Token != "" {
		token = "[hidden]"
	}
	return fmt.Sprintf("{Token:%s Credential:%t Timeout:%v}", token, c.Credential != nil, c.Timeout)
}

// LogValue logs the config with the token hidden.
func (c ClientConfig) LogValue() slog.Value {
	return slog.StringValue(c.String())
}

// Client is the client side of the auth plugin: give it to rpc.NewEndpoint.
// Every call and push sent on a session the endpoint dialed carries the
// credential in the metadata pair MetaKey (unless the caller set that pair
// itself with rpc.WithMeta), and right after each dial, redials included,
// the session calls [Path] so that the server sees the credential before
// any call of the application.
//
// The server may refuse the credential: it answers CodeUnauthorized and
// closes the connection, and the session's calls fail with that answer
// from then on (those that raced the refusal on the wire may fail with
// CodeConnClosed). With a Token the session then
// closes for good and does not redial, since the same token would be
// refused again; with a Credential func the connection closes and the
// session redials by the endpoint's RedialPolicy, asking the func for a
// new credential.
// Either way a refusal is logged at Warn level.
//
// A Client is safe for concurrent use.
type Client struct {
	bearer     string
	credential func(ctx context.Context, s *rpc.Session) (string, error)
	timeout    time.Duration
}

var (
	_ rpc.AfterDialHook   = (*Client)(nil)
	_ rpc.CallInterceptor = (*Client)(nil)
)

// NewClient returns the client plugin for cfg. It fails, with an error
// wrapping ErrConfig, unless exactly one of Token and Credential is set.
func NewClient(cfg ClientConfig) (*Client, error) {
	switch {
	case cfg.Token == "" && cfg.Credential == nil:
		return nil, fmt.Errorf("%w: ClientConfig needs a Token or a Credential func", ErrConfig)
	case cfg.Token != "" && cfg.Credential != nil:
		return nil, fmt.Errorf("%w: ClientConfig has both a Token and a Credential func", ErrConfig)
	}
	c := &Client{credential: cfg.Credential, timeout: cfg.Timeout}
	if cfg.Token != "" {
		c.bearer = "Bearer " + cfg.Token
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	return c, nil
}

// Name returns "auth-client".
func (*Client) Name() string { return "auth-client" }

// Keys in rpc.Session.Values: the *dialCred of the session's latest
// connection, with a Credential func; the server's refusal of the token,
// with a Token.
type (
	credKey    struct{}
	refusedKey struct{}
)

// dialCred is the credential a Credential func gave for one connection,
// and the server's refusal of it. The hello of that connection carries it
// in its context, so that a late refusal of an older connection's
// credential is not taken for the current one's.
type dialCred struct {
	cred    string
	refused atomic.Pointer[rpc.Status]
}

// AfterDial gets the credential of the new connection, if it comes from a
// func, and starts the hello call, which waits until the session is ready.
func (c *Client) AfterDial(s *rpc.Session, _ bool) error {
	ctx := s.Context()
	if c.credential == nil {
		if r := c.refusal(s); r != nil {
			return r // the token was refused; the session is closing
		}
	} else {
		cctx, cancel := context.WithTimeout(ctx, c.timeout)
		cred, err := c.credential(cctx, s)
		cancel()
		if err == nil && cred == "" {
			err = fmt.Errorf("%w: ClientConfig.Credential returned an empty credential", ErrCredential)
		} else if err != nil {
			err = fmt.Errorf("%w: %w", ErrCredential, err)
		}
		if err != nil {
			return rpc.WrapStatus(rpc.CodeUnauthorized, "", err)
		}
		dc := &dialCred{cred: cred}
		s.Values().Store(credKey{}, dc)
		ctx = context.WithValue(ctx, credKey{}, dc)
	}
	// The endpoint owns the goroutine of an AsyncCall; the interceptor
	// bounds the hello by the timeout and acts on its result.
	s.AsyncCall(ctx, Path, nil, nil, rpc.WithWaitForReady())
	return nil
}

// refusal returns the server's refusal of the credential of s's current
// connection, or nil.
func (c *Client) refusal(s *rpc.Session) *rpc.Status {
	if c.credential == nil {
		v, _ := s.Values().Load(refusedKey{})
		r, _ := v.(*rpc.Status)
		return r
	}
	v, _ := s.Values().Load(credKey{})
	if dc, ok := v.(*dialCred); ok {
		return dc.refused.Load()
	}
	return nil
}

// InterceptCall adds the credential to the calls and pushes of dialed
// sessions.
func (c *Client) InterceptCall(next rpc.InvokeFunc) rpc.InvokeFunc {
	return func(ctx context.Context, m *rpc.Message, reply any) error {
		s := m.Session()
		if !s.Dialed() {
			return next(ctx, m, reply)
		}
		cred := c.bearer
		if c.credential != nil {
			v, _ := s.Values().Load(credKey{})
			if dc, ok := v.(*dialCred); ok {
				cred = dc.cred
			}
		}
		if md := m.Meta(); cred != "" {
			if _, set := md.Lookup(MetaKey); !set {
				md.Append(MetaKey, cred)
			}
		}
		if m.ServiceMethod() == Path {
			return c.hello(ctx, s, m, reply, next)
		}
		err := next(ctx, m, reply)
		if code := rpc.CodeOf(err); code == rpc.CodeConnClosed || code == rpc.CodeUnavailable {
			// The connection was closed because the server refused the
			// credential: say so rather than "closed".
			if r := c.refusal(s); r != nil {
				return r
			}
		}
		return err
	}
}

// hello sends the hello call m and acts on a refusal.
func (c *Client) hello(ctx context.Context, s *rpc.Session, m *rpc.Message, reply any, next rpc.InvokeFunc) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	err := next(ctx, m, reply)
	if err == nil {
		return nil
	}
	log := s.Endpoint().Logger()
	if rpc.CodeOf(err) != rpc.CodeUnauthorized {
		log.Debug("auth: hello failed", "remote", remote(s), "err", err)
		return err
	}
	log.Warn("auth: the server refused the credential", "remote", remote(s), "err", err)
	st := rpc.StatusOf(err)
	if c.credential == nil {
		s.Values().Store(refusedKey{}, st)
		s.Close() // the token would be refused again: do not redial
		return err
	}
	dc, ok := ctx.Value(credKey{}).(*dialCred)
	if !ok {
		return err // not the hello of a dial
	}
	dc.refused.Store(st)
	if v, _ := s.Values().Load(credKey{}); v == dc {
		// Close the connection (the server does, except over http), so
		// that the session redials by its policy and asks Credential
		// again. Should a redial have just replaced it, the new
		// connection closes too, and the session dials once more.
		s.CloseConn(st)
	}
	return err
}
