//go:build unix

package kcp

import (
	"net"
	"syscall"
)

// setDSCP sets the DiffServ code point of the packets uc sends, in the
// IPv4 TOS byte or the IPv6 traffic class, whichever the socket has.
func setDSCP(uc *net.UDPConn, dscp int) error {
	rc, err := uc.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		v4 := syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_TOS, dscp<<2)
		v6 := syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_TCLASS, dscp<<2)
		if v4 != nil && v6 != nil {
			serr = v4
		}
	})
	if err != nil {
		return err
	}
	return serr
}
