//go:build unix

package mdns

import (
	"fmt"
	"net"
	"syscall"
)

// setSockopts sets IP TTL 255 on multicast and unicast packets (RFC 6762
// §11), turns multicast loopback on (Go's ListenMulticastUDP turns it off;
// responders and browsers on one host must hear each other), and on Linux
// limits the socket to the memberships it joined.
func setSockopts(c *net.UDPConn) error {
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = raw.Control(func(fd uintptr) {
		for _, o := range []struct {
			name string
			opt  int
			v    int
		}{
			{"IP_MULTICAST_TTL", syscall.IP_MULTICAST_TTL, 255},
			{"IP_TTL", syscall.IP_TTL, 255},
			{"IP_MULTICAST_LOOP", syscall.IP_MULTICAST_LOOP, 1},
		} {
			if e := syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, o.opt, o.v); e != nil {
				serr = fmt.Errorf("setting %s: %w", o.name, e)
				return
			}
		}
		serr = setPlatformSockopts(int(fd))
	})
	if err != nil {
		return err
	}
	return serr
}
