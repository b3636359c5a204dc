package mdns

import (
	"fmt"
	"net"
	"net/netip"
)

var groupV4 = net.IPv4(224, 0, 0, 251)

// ifaceSock is the socket of one interface: joined to 224.0.0.251 on it,
// multicast sent out of it, with IP TTL 255.
type ifaceSock struct {
	ifi   net.Interface
	conn  *net.UDPConn
	group *net.UDPAddr
}

// chooseInterfaces returns the interfaces to open: those named, or every
// up multicast-capable one with an IPv4 address.
func chooseInterfaces(cfg Config) ([]net.Interface, error) {
	all, err := cfg.interfaces()
	if err != nil {
		return nil, fmt.Errorf("mdns: listing interfaces: %w", err)
	}
	if len(cfg.Interfaces) > 0 {
		var out []net.Interface
		for _, name := range cfg.Interfaces {
			found := false
			for _, ifi := range all {
				if ifi.Name == name {
					out, found = append(out, ifi), true
					break
				}
			}
			if !found {
				return nil, fmt.Errorf("mdns: interface %q not found", name)
			}
		}
		return out, nil
	}
	var out []net.Interface
	for _, ifi := range all {
		if ifi.Flags&net.FlagUp != 0 && ifi.Flags&net.FlagMulticast != 0 && len(interfaceAddrs(ifi)) > 0 {
			out = append(out, ifi)
		}
	}
	return out, nil
}

// openSock joins the group on ifi at port.
func openSock(ifi net.Interface, port int) (*ifaceSock, error) {
	group := &net.UDPAddr{IP: groupV4, Port: port}
	conn, err := net.ListenMulticastUDP("udp4", &ifi, group)
	if err != nil {
		return nil, fmt.Errorf("mdns: interface %s: joining %v: %w", ifi.Name, group, err)
	}
	if err := setSockopts(conn); err != nil {
		conn.Close()
		return nil, fmt.Errorf("mdns: interface %s: %w", ifi.Name, err)
	}
	return &ifaceSock{ifi: ifi, conn: conn, group: group}, nil
}

// interfaceAddrs returns the IPv4 addresses of ifi (what its A records
// carry), in a stable order.
func interfaceAddrs(ifi net.Interface) []netip.Addr {
	as, err := ifi.Addrs()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, a := range as {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap().Is4() {
				out = append(out, ip.Unmap())
			}
		}
	}
	return out
}
