package mdns

import (
	"fmt"
	"syscall"
)

// IP_MULTICAST_ALL and IPV6_MULTICAST_ALL from linux/in.h and
// linux/in6.h (not in syscall).
const (
	ipMulticastAll   = 49
	ipv6MulticastAll = 29
)

// loopbackV6Multicast: Linux turns a route through the loopback device
// into a reject route unless it is to a loopback address, so ff02::fb
// cannot be sent on "lo".
const loopbackV6Multicast = false

// setPlatformSockopts turns IP_MULTICAST_ALL (IPV6_MULTICAST_ALL) off, so
// that a socket bound to the port receives the group's packets only from
// the interface it joined on, not from every interface any socket joined.
func setPlatformSockopts(fd int, v6 bool) error {
	if v6 {
		if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, ipv6MulticastAll, 0); err != nil {
			return fmt.Errorf("setting IPV6_MULTICAST_ALL: %w", err)
		}
		return nil
	}
	if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IP, ipMulticastAll, 0); err != nil {
		return fmt.Errorf("setting IP_MULTICAST_ALL: %w", err)
	}
	return nil
}
