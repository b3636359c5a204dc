// Package mdns is a [discovery.Registry] on multicast DNS (RFC 6762) and
// DNS-SD (RFC 6763), spoken over raw UDP with the standard library and
// dmicro's own DNS message code: no mDNS library.
//
// [NewRegistry] opens one socket per interface (Config.Interfaces, or
// every up, multicast-capable interface with an IPv4 address), joined to
// 224.0.0.251 on port 5353 (Config.Port), and is then both a responder
// and a browser.
//
// # Publishing
//
// Register publishes each node of a service as
//
//	PTR _<service>._tcp.local.           -> <node id>._<service>._tcp.local.
//	SRV <node id>._<service>._tcp.local. -> port, target host
//	TXT <node id>._<service>._tcp.local. -> version=, weight=, svc:<key>= (service
//	                                        metadata), <key>= (node metadata)
//	A   target host                      -> address
//	PTR _services._dns-sd._udp.local.    -> _<service>._tcp.local.
//
// When the node's address has an IP host, the target is
// "<Config.Host>-<ip>.local." carrying that IP; otherwise it is
// "<Config.Host>.local." carrying the interface's IPv4 addresses. A TXT
// string over 255 bytes, a reserved metadata key (version, weight, a
// "svc:" prefix), a name or id over 63 bytes, or an address without a
// numeric port is an error wrapping [discovery.ErrInvalid] that names
// the node and key.
//
// A new node is probed for (three queries 250 ms apart: Register blocks
// for them); another responder answering for its name with other data
// makes Register fail with [ErrConflict] (simplified: no tie-break between
// simultaneous probes and no automatic rename, and a conflict found after
// announcing is not acted upon). Then it is announced twice, a second
// apart. Queries are answered by multicast, or by unicast to the querier
// when it sets the QU bit or asks from a port other than the mDNS port (a
// one-shot querier; TTLs capped at 10 s). Each record is multicast at most
// once per second per interface, so a flood of queries costs at most one
// answer per record per second, and answers the querier lists as known
// with half their TTL left are left out. Deregister and Close send
// goodbyes (TTL 0). Every packet leaves with IP TTL 255 (on unix; other
// systems keep their default). Interface addresses are checked every
// Config.AddressCheck (10 s) and a change is announced again; the set of
// interfaces is fixed at NewRegistry.
//
// Record TTLs come from RegisterOptions.TTL (whole seconds; zero means
// 120 s): a node whose process dies without a goodbye disappears from
// browsers after it.
//
// # Browsing
//
// GetService, ListServices and Watch make the registry follow a service
// (or, with ListServices and an empty WatchFilter, every type through
// DNS-SD enumeration): it queries at once, then after 1 s, 2 s, 4 s ...
// up to every 60 s, and again when a cached record reaches 80% of its TTL,
// listing the answers it knows (known-answer suppression). Answers go into
// a cache that honours TTLs (capped at two hours): a goodbye removes a record at once, an
// expired one is dropped, and either gives Watch an EventRemove. Only
// records of followed services and the addresses of their hosts are
// cached, up to Config.MaxCache records, so packets about other services
// or a flood cannot grow memory. The first GetService of a name waits up
// to Config.BrowseWait for answers; later ones answer from the cache.
// This registry's own registrations are part of every answer, also
// without any multicast interface.
//
// # Failure behaviour
//
// Malformed packets (truncated, compression loops, bad lengths) are
// dropped and logged at debug level; the registry keeps answering. With
// no multicast interface it logs one warning at start and keeps running
// with its own registrations only (Config.LocalOnly asks for that mode).
// IPv6 (ff02::fb) is not spoken yet; AAAA records are encoded and parsed.
//
// A Registry is safe for concurrent use. Close stops every goroutine it
// started.
package mdns
