package mdns

import (
	"fmt"
	"syscall"
)

// ipMulticastAll is IP_MULTICAST_ALL from linux/in.h (not in syscall).
const ipMulticastAll = 49

// setPlatformSockopts turns IP_MULTICAST_ALL off, so that a socket bound
// to the port receives the group's packets only from the interface it
// joined on, not from every interface any socket joined.
func setPlatformSockopts(fd int) error {
	if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IP, ipMulticastAll, 0); err != nil {
		return fmt.Errorf("setting IP_MULTICAST_ALL: %w", err)
	}
	return nil
}
