//go:build !unix

package mdns

import "net"

// loopbackV6Multicast: other systems are let try ff02::fb on a loopback
// interface.
const loopbackV6Multicast = true

// setSockopts does nothing where the IP socket options are not reachable
// through syscall: packets keep the system's default TTL (hop limit),
// which strict mDNS peers may drop.
func setSockopts(*net.UDPConn, bool) error { return nil }
