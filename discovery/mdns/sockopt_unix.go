//go:build unix

package mdns

import (
	"fmt"
	"net"
	"syscall"
)

// setSockopts sets IP TTL (IPv6 hop limit) 255 on multicast and unicast
// packets (RFC 6762 §11), turns multicast loopback on (Go's
// ListenMulticastUDP turns it off; responders and browsers on one host
// must hear each other), makes sure an IPv6 socket is IPv6 only (so it
// shares the port with the IPv4 one), and on Linux limits the socket to
// the memberships it joined.
func setSockopts(c *net.UDPConn, v6 bool) error {
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	type opt struct {
		name       string
		level, opt int
		v          int
	}
	opts := []opt{
		{"IP_MULTICAST_TTL", syscall.IPPROTO_IP, syscall.IP_MULTICAST_TTL, 255},
		{"IP_TTL", syscall.IPPROTO_IP, syscall.IP_TTL, 255},
		{"IP_MULTICAST_LOOP", syscall.IPPROTO_IP, syscall.IP_MULTICAST_LOOP, 1},
	}
	if v6 {
		opts = []opt{
			{"IPV6_MULTICAST_HOPS", syscall.IPPROTO_IPV6, syscall.IPV6_MULTICAST_HOPS, 255},
			{"IPV6_UNICAST_HOPS", syscall.IPPROTO_IPV6, syscall.IPV6_UNICAST_HOPS, 255},
			{"IPV6_MULTICAST_LOOP", syscall.IPPROTO_IPV6, syscall.IPV6_MULTICAST_LOOP, 1},
		}
	}
	var serr error
	err = raw.Control(func(fd uintptr) {
		for _, o := range opts {
			if e := syscall.SetsockoptInt(int(fd), o.level, o.opt, o.v); e != nil {
				serr = fmt.Errorf("setting %s: %w", o.name, e)
				return
			}
		}
		if v6 {
			// Go sets IPV6_V6ONLY on "udp6" sockets before binding; it
			// cannot be changed after, so check it.
			if only, e := syscall.GetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY); e != nil || only == 0 {
				serr = fmt.Errorf("IPV6_V6ONLY is not set (%v): the socket would take IPv4 packets too", e)
				return
			}
		}
		serr = setPlatformSockopts(int(fd), v6)
	})
	if err != nil {
		return err
	}
	return serr
}
