// Package mdns is the interop check of dmicro's mDNS registry
// (discovery/mdns) against independent implementations, in its own module
// so that the toolkit's go.mod stays small: github.com/hashicorp/mdns finds
// a service dmicro publishes and dmicro finds one hashicorp/mdns publishes,
// and github.com/miekg/dns parses every packet dmicro sends. The tests run
// in a network namespace of their own (internal/netnstest), as root.
package mdns
