// Package mdns is a [discovery.Registry] on multicast DNS (RFC 6762) and
// DNS-SD (RFC 6763), spoken over raw UDP with the standard library and
// dmicro's own DNS message code: no mDNS library.
//
// [NewRegistry] opens a socket per interface and address family
// (Config.Interfaces, or every up, multicast-capable interface with an
// IPv4 or IPv6 address), joined to 224.0.0.251 or ff02::fb on port 5353
// (Config.Port), and is then both a responder and a browser. Both
// families are spoken unless Config.IPv4Only or Config.IPv6Only says
// otherwise: queries, announcements and goodbyes go out on every socket,
// answers from either family feed one cache, and a query is answered on
// the family and interface it came in on. A family that cannot open on an
// interface (no address of it, IPv6 disabled, or IPv6 on a Linux loopback,
// where the kernel does not route multicast) is logged and skipped; the
// other keeps working there.
//
// # Publishing
//
// Register publishes each node of a service as
//
//	PTR _<service>._tcp.local.           -> <node id>._<service>._tcp.local.
//	SRV <node id>._<service>._tcp.local. -> port, target host
//	TXT <node id>._<service>._tcp.local. -> version=, weight=, svc:<key>= (service
//	                                        metadata), <key>= (node metadata)
//	A   target host                      -> IPv4 address
//	AAAA target host                     -> IPv6 address
//	PTR _services._dns-sd._udp.local.    -> _<service>._tcp.local.
//
// When the node's address has an IP host, the target is
// "<Config.Host>-<ip>.local." carrying that IP (A or AAAA); otherwise it is
// "<Config.Host>.local." carrying the interface's addresses of the
// families in use, IPv6 link-local ones included (RFC 6762 §6.2). A TXT
// string over 255 bytes, a reserved metadata key (version, weight, a
// "svc:" prefix), a name or id over 63 bytes, or an address without a
// numeric port is an error wrapping [discovery.ErrInvalid] that names
// the node and key.
//
// A new node is probed for (three queries 250 ms apart: Register blocks
// for them); another responder answering for its name with other data
// makes Register fail with [ErrConflict]. Two hosts probing one name at
// once compare their proposed records (RFC 6762 §8.2): the one whose
// records sort first waits a second and probes again, meets the winner's
// announcement, and fails with ErrConflict. There is no automatic rename:
// the node id is the node's identity. A conflict found after announcing
// (another responder announcing the name with other data, §9) is logged
// at warn level and passed to Config.OnConflict, once per conflicting
// record; the registry keeps publishing its node. Then it is announced
// twice, a second apart. Queries are answered by multicast, or by unicast to the querier
// when it sets the QU bit or asks from a port other than the mDNS port (a
// one-shot querier; TTLs capped at 10 s); a probe is answered by
// multicast. Each record is multicast at most once per second per
// interface and family (every 250 ms in answer to probes), so a flood of
// queries costs at most one answer per record per second, and answers the
// querier lists as known with half their TTL left are left out.
// Deregister and Close send goodbyes (TTL 0). Every packet leaves with IP
// TTL (IPv6 hop limit) 255 (on unix; other systems keep their default).
// Interface addresses are checked every Config.AddressCheck (10 s): an
// address gone gets a goodbye for its A or AAAA record (RFC 6762 §10.4)
// and the registrations are announced again; the set of interfaces is
// fixed at NewRegistry.
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
// A node's address is the lowest IPv4 address cached for its host, else
// the lowest IPv6 one (global and unique-local before link-local;
// IPv6Only registries look at IPv6 first). A link-local IPv6 address
// carries the interface it was received on as its zone, so that it
// dials: "[fe80::1%eth0]:8080".
//
// # Failure behaviour
//
// Malformed packets (truncated, compression loops, bad lengths) are
// dropped and logged at debug level; the registry keeps answering. With
// no multicast interface it logs one warning at start and keeps running
// with its own registrations only (Config.LocalOnly asks for that mode).
//
// A Registry is safe for concurrent use. Close stops every goroutine it
// started.
//
// # Tests
//
// The tests that send multicast run in a network namespace the test
// binary makes for itself (internal/netnstest; as root, else they skip),
// so nothing reaches the machine's interfaces: IPv4 on the namespace's
// loopback, IPv6 on a veth pair inside it (mdns0-mdns1, fixed link-local
// addresses without duplicate address detection), since Linux turns a
// multicast route through the loopback device into a reject route. The
// address-change test makes and removes a veth pair of its own there.
package mdns
