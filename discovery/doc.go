// Package discovery finds the nodes of a service by name: the [Registry]
// interface and its types, the in-process registry ([NewMemory]), and the
// cache that serves reads from memory; backends live in sub-packages
// (discovery/mdns, discovery/etcd), strategies that pick a node in
// discovery/selector, and the rpc wiring (a client that calls a service
// by name, an endpoint that registers itself) in discovery/rpcdisc.
package discovery
