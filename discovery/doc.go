// Package discovery finds the nodes of a service by name: the [Registry]
// interface and its types, the in-process registry ([NewMemory]), and the
// cache that serves reads from memory; backends live in sub-packages
// (discovery/mdns, discovery/etcd), strategies that pick a node in
// discovery/selector, and the rpc wiring (a client that calls a service
// by name, an endpoint that registers itself) in discovery/rpcdisc.
//
// # Memory
//
// [Memory] is the embedded default: one value shared by the endpoints of a
// process, and a test double for the networked registries. It runs no
// goroutine. Registrations live until Deregister or Close, so
// [RegisterOptions.TTL] means nothing to it. GetService and ListServices
// return deep copies. Each watcher has a bounded buffer
// ([MemoryConfig.WatchBuffer]); a watcher that falls that far behind has its
// channel closed instead of blocking Register or silently missing events,
// and must read again and watch anew.
//
// # Cache
//
// [Cache] wraps any Registry: reads come from memory (no allocation, the
// answer shared read-only), filled on first use and kept current by one
// Watch of the backend, restarted with back-off when it ends. When the
// backend is lost the last good answers are served for
// [CacheConfig.StaleTTL] (1 min by default), then reads fail with an error
// wrapping [ErrUnavailable]. It logs one line per change of state.
//
// # Errors
//
// Errors wrap the sentinels [ErrNotFound], [ErrInvalid], [ErrClosed] and
// [ErrUnavailable] (test with errors.Is) and name the service.
package discovery
