package rpcdisc

import (
	"fmt"
	"net"
	"net/netip"
)

// advertise returns the address to publish for a listener on addr (see
// ServiceConfig.Advertise).
func advertise(adv string, addr net.Addr) (string, error) {
	lhost, lport, err := net.SplitHostPort(addr.String())
	if err != nil {
		if adv != "" {
			return adv, nil
		}
		return addr.String(), nil // not host:port (a unix socket): as it is
	}
	host := lhost
	if adv != "" {
		h, _, err := net.SplitHostPort(adv)
		if err == nil {
			if h == "" {
				return "", fmt.Errorf("advertise %q: no host", adv)
			}
			return adv, nil
		}
		host = adv
	}
	if ip, err := netip.ParseAddr(host); host == "" || (err == nil && ip.IsUnspecified()) {
		host = usableHost(net.InterfaceAddrs)
	}
	return net.JoinHostPort(host, lport), nil
}

// usableHost is the address to publish for a listener on every interface:
// the first global unicast address of the interfaces (IPv4 before IPv6),
// or 127.0.0.1 when there is none.
func usableHost(list func() ([]net.Addr, error)) string {
	addrs, _ := list()
	var v6 string
	for _, a := range addrs {
		pfx, err := netip.ParsePrefix(a.String())
		if err != nil {
			continue
		}
		ip := pfx.Addr()
		if !ip.IsGlobalUnicast() {
			continue
		}
		if ip.Is4() || ip.Is4In6() {
			return ip.Unmap().String()
		}
		if v6 == "" {
			v6 = ip.String()
		}
	}
	if v6 != "" {
		return v6
	}
	return "127.0.0.1"
}
