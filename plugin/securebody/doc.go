// Package securebody encrypts the bodies of chosen calls and pushes, and
// their replies, with AES-GCM under a key both ends share.
//
// # Use
//
// Give the same [Plugin] (or one made from the same key) to both
// endpoints, and mark the calls to seal with [On], the metadata pair
// secure-body=1 ([MetaKey]):
//
//	sb, err := securebody.New(key) // 16, 24 or 32 bytes
//	srv, err := rpc.NewEndpoint(cfg, sb)
//	cli, err := rpc.NewEndpoint(cfg, sb)
//	err = sess.Call(ctx, "/account/balance", arg, &reply, securebody.On())
//
// The plugin adds the rpc transfer filter filter.AESGCM (id 'a', name
// "aes-gcm") to the endpoint's Config.Filters. A marked call goes through
// the endpoint's Config.DefaultFilters and then that filter: compression
// first, since a sealed body does not compress. The marked call replaces
// the filters that rpc.WithFilters chose, because a call interceptor
// cannot see them; to seal a call with filters of its own choosing, name
// [FilterName] last in rpc.WithFilters and leave the mark off. A reply goes
// back through the filters of its call, so the reply to a sealed call is
// sealed too, and the caller refuses one that is not.
//
// The callee needs nothing per call: any endpoint with the plugin opens
// sealed bodies. To refuse bodies that were not sealed, put [Required] on
// the routes (or a group, or the endpoint) that must be protected.
//
// # Failures
//
// Each failure concerns one call: the caller gets a status, and the
// session goes on serving.
//
//	what                                        the caller gets
//	a sealed body changed on the way (call      CodeBadMessage, "body failed its integrity
//	or reply), or sealed under another key      check"
//	the callee has no sealing filter            CodeBadMessage, "unknown transfer filter id 97"
//	a reply to a sealed call comes back clear   CodeBadMessage, wrapping ErrNotSealed
//	a clear call to a Required route            CodeUnauthorized (a push is dropped)
//	a marked call with an empty body (nil       CodeInvalidArgument, wrapping ErrNotSealed;
//	argument): it could not be sealed, nor      nothing is sent
//	could its reply
//	a secure-body value that is not a boolean   CodeInvalidArgument, wrapping ErrFlag;
//	                                            nothing is sent
//
// [New] fails with [ErrKey] on a key of the wrong length, and an endpoint
// whose Config.Filters already holds another filter with id 'a' or name
// "aes-gcm" fails to start with [ErrFilterTaken]. No error or log line
// holds the key.
//
// # What is not protected
//
// Only bodies are sealed. The method, the metadata (the mark included),
// status codes and messages, and the sizes and timing of messages cross
// the wire as they are. A sealed body is not bound to its frame: someone
// on the path can replay it in another frame, or replace a reply with an
// error status. Use TLS against an attacker who can change what crosses
// the wire; this plugin keeps bodies secret from whoever only reads it
// (a listener on the path, the proxies and logs a frame passes through)
// and detects any change to them. Nonces are random: seal no more
// than 2³² bodies with one key.
//
// # Concurrency
//
// A Plugin is safe for concurrent use and may serve several endpoints.
package securebody
