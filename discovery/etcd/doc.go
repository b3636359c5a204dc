// Package etcd is a [discovery.Registry] on etcd, spoken to through
// etcd's v3 HTTP/JSON gateway (/v3/kv/..., /v3/lease/..., /v3/watch) with
// net/http and encoding/json: no etcd client library.
//
// # Key layout
//
// Each node of a service is one key,
//
//	<Prefix>/<service>/<version>/<node id>
//
// (Prefix defaults to "/dmicro/registry"; the version is path-escaped and
// may be empty), whose value is the JSON object
//
//	{"name": ..., "version": ..., "metadata": {...}, "node": {"id", "address", "metadata", "weight"}}
//
// so that any tool (etcdctl get --prefix /dmicro/registry/) can read it.
// [Config.Key] computes a key.
//
// # Leases
//
// Register puts its keys under a lease of RegisterOptions.TTL (default
// [DefaultTTL], rounded up to whole seconds; etcd may raise a TTL below its
// minimum) shared by every key registered with that TTL, and renews it
// every TTL/3. A process that dies without deregistering disappears when
// its lease expires, within the TTL. When a renewal finds the lease gone
// (the process was paused past its TTL, or etcd lost its data) the
// registry grants a new lease and puts every key again. Deregister deletes
// keys and revokes a lease left with none; Close revokes every lease.
//
// # Failure behaviour
//
// Config.Endpoints lists the members; a request goes to the member that
// answered last and fails over to the next on a connection error, a
// timeout (Config.RequestTimeout) or a 5xx answer. When none answers, the
// error wraps [discovery.ErrUnavailable]. Registrations and watches then
// retry with exponential back-off, logging one line when etcd becomes
// unreachable and one when it is back, not one per attempt. A Register
// made while etcd is down is kept and stored once etcd answers. Errors the
// gateway reports become [*Error] values wrapping [ErrLeaseNotFound],
// [ErrCompacted], [ErrAuth] or [ErrGateway].
//
// Watch lists the keys, then follows the watch stream from the next
// revision; a cut stream is reopened (on another member if need be) from
// the last revision seen plus one, so no event is lost; after a
// compaction or a store reset it lists again and reports the difference.
//
// With Config.TLS set, https endpoints use it; with Config.Username set,
// the registry authenticates and sends the token in the Authorization
// header, authenticating again when etcd says the token is invalid (a
// simple token expires after its TTL of inactivity).
//
// A Registry is safe for concurrent use.
package etcd
