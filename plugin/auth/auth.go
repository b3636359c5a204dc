package auth

import (
	"context"
	"errors"

	"github.com/dmicro-go/dmicro/rpc"
)

// MetaKey is the metadata key that carries a credential, such as
// "Bearer <token>". Over the http format it is the Authorization header.
const MetaKey = "authorization"

// Path is the method a [Client] calls right after each dial, so that the
// server sees its credential at once. The [Server] registers it; it
// answers nothing, since the credential was checked before routing.
const Path = "/auth/hello"

// Errors that callers branch on, with errors.Is.
var (
	// ErrConfig is wrapped by the error of NewServer and NewClient for a
	// config that cannot work.
	ErrConfig = errors.New("auth: invalid config")
	// ErrCredential is wrapped by the error of a dial whose credential
	// could not be had: ClientConfig.Credential failed or gave "".
	ErrCredential = errors.New("auth: no credential")
)

// identityKey is the context key of a handler's identity.
type identityKey struct{}

// verified is a credential the server's Verify accepted and the identity
// it gave. It is never changed once made.
type verified struct {
	cred string
	id   any
}

// IdentityFrom returns the identity that ServerConfig.Verify gave for the
// credential of the call or push whose handler ctx belongs to (for a
// handler with *rpc.CallCtx: IdentityFrom(c.Context())). It reports false
// for a message that carried no credential (a Public path), and outside a
// handler of an endpoint with a [Server].
func IdentityFrom(ctx context.Context) (any, bool) {
	v, ok := ctx.Value(identityKey{}).(*verified)
	if !ok {
		return nil, false
	}
	return v.id, true
}

// SessionIdentity returns the identity of the first credential verified
// on an accepted session, the one its client presented right after
// dialing; false before that, and for sessions of an endpoint without a
// [Server]. A message may carry another credential (a proxy's connection
// shared by several users): its handler learns its own with [IdentityFrom].
func SessionIdentity(s *rpc.Session) (any, bool) {
	st := sessionOf(s)
	if st == nil {
		return nil, false
	}
	v := st.first.Load()
	if v == nil {
		return nil, false
	}
	return v.id, true
}
