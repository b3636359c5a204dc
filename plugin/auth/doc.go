// Package auth authenticates the sessions of an rpc endpoint by a
// credential, such as a bearer token, and hands handlers the caller's
// identity.
//
// # Use
//
// The server gives [NewServer]'s plugin to rpc.NewEndpoint with a Verify
// func that maps a credential to an identity; handlers read it with
// [IdentityFrom]:
//
//	server, err := auth.NewServer(auth.ServerConfig{Verify: tokens.Lookup})
//	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: ":8080"}, server)
//	...
//	func (h *Hello) Say(c *rpc.CallCtx, name *string) (string, error) {
//		user, _ := auth.IdentityFrom(c.Context())
//		...
//	}
//
// The client gives [NewClient]'s plugin to its endpoint, with a Token (sent
// as "Bearer <token>") or a Credential func:
//
//	client, err := auth.NewClient(auth.ClientConfig{Token: os.Getenv("TOKEN")})
//	cli, err := rpc.NewEndpoint(rpc.Config{}, client)
//	sess, err := cli.Dial(ctx, "server:8080")
//
// Any other client sends the credential as the metadata pair [MetaKey]
// ("authorization") of each call and push; over the http format that is
// the Authorization header, so curl -H 'Authorization: Bearer ...' works.
//
// # How it works
//
// A credential travels with every call and push, as HTTP's Authorization
// header does, so that each message is authenticated on its own: a
// connection that a proxy shares among users, or a call that a redial
// moved to a new connection, is never taken for someone else's. The cost
// stays small: the server verifies each distinct credential once per
// session and compares the others with it: a call carries one metadata
// pair more and costs one allocation more (the handler's context).
//
// The client calls [Path] right after each dial (and redial), so that the
// server sees its credential before the application's first call. The
// server checks each message before routing it, in AfterReadCallHeader
// and AfterReadPushHeader: before any other message is handled, and before
// any body is decoded.
//
// # Failures
//
//   - A message without a credential, or with one Verify refuses, is
//     answered with CodeUnauthorized (over http, 401) and a message that
//     never contains the credential; a push is dropped. Paths listed in
//     ServerConfig.Public need none.
//   - A session that has not yet presented a valid credential is closed
//     after such a refusal, once the answer is written: the peer gets the
//     answer, then its session ends with the refusal's status. Over the http format
//     it stays open, as HTTP clients retry with a credential on the same
//     connection.
//   - A session that has presented a valid credential stays open after a
//     refusal: only that message is refused.
//   - A session that presents no valid credential within
//     ServerConfig.HandshakeTimeout (10 s) is closed, over every format:
//     its Err is a CodeUnauthorized status.
//   - A client whose token is refused logs it at Warn level and closes
//     its session for good (no redial with a refused token); its calls
//     fail with the server's CodeUnauthorized. With a Credential func the
//     connection is closed and the session redials by its RedialPolicy,
//     asking the func again. A Credential func's error fails the dial with
//     CodeUnauthorized, wrapping [ErrCredential].
//
// Calls that raced a refusal on the wire may fail with CodeConnClosed
// instead. Neither side logs a credential; keep rpc.Config.LogMetaValues
// off, as it logs metadata values.
//
// # Concurrency
//
// [Server] and [Client] are safe for concurrent use. Verify and Credential
// are called from many sessions at once. Verify runs in the reader of the
// session whose message it checks: that session reads nothing else
// meanwhile, and other sessions are not held up.
//
// The plugins start no goroutine of their own: the hello is an
// rpc.Session.AsyncCall, owned by the endpoint, and the handshake timeout
// is a timer stopped when the session authenticates or ends.
package auth
