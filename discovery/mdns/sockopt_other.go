//go:build !unix

package mdns

import "net"

// setSockopts does nothing where the IP socket options are not reachable
// through syscall: packets keep the system's default TTL, which strict
// mDNS peers may drop.
func setSockopts(*net.UDPConn) error { return nil }
