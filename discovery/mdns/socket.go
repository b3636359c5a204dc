package mdns

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
)

var (
	groupV4 = net.IPv4(224, 0, 0, 251)
	groupV6 = net.ParseIP("ff02::fb")
)

// ifaceSock is the socket of one interface and one address family:
// joined to 224.0.0.251 or ff02::fb on it, multicast sent out of it, with
// IP TTL (hop limit) 255.
type ifaceSock struct {
	ifi   net.Interface
	v6    bool
	conn  *net.UDPConn
	group *net.UDPAddr
}

func familyName(v6 bool) string {
	if v6 {
		return "IPv6"
	}
	return "IPv4"
}

// families are the address families a registry speaks.
type families struct{ v4, v6 bool }

func (f families) has(a netip.Addr) bool { return a.Is4() && f.v4 || a.Is6() && f.v6 }

// chooseInterfaces returns the interfaces to open: those named, or every
// up multicast-capable one with an address of a family in use.
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
		if ifi.Flags&net.FlagUp != 0 && ifi.Flags&net.FlagMulticast != 0 && len(interfaceAddrs(ifi, cfg.families())) > 0 {
			out = append(out, ifi)
		}
	}
	return out, nil
}

// openSocks opens a socket on ifi for each family of cfg that can speak
// there. A family that cannot (no address of it on ifi, IPv6 on a Linux
// loopback, joining fails) is logged and skipped; err is the last failure
// when no family opened.
func openSocks(ifi net.Interface, cfg Config, log *slog.Logger) ([]*ifaceSock, error) {
	fams := cfg.families()
	var out []*ifaceSock
	var last error
	for _, v6 := range []bool{false, true} {
		if v6 && !fams.v6 || !v6 && !fams.v4 {
			continue
		}
		if v6 {
			if ifi.Flags&net.FlagLoopback != 0 && !loopbackV6Multicast {
				last = fmt.Errorf("mdns: interface %s: IPv6 multicast does not work on a loopback interface here", ifi.Name)
				log.Info("mdns: not speaking IPv6 on a loopback interface (this system does not route IPv6 multicast there)", "interface", ifi.Name)
				continue
			}
			if !hasV6(ifi) {
				last = fmt.Errorf("mdns: interface %s: no IPv6 address", ifi.Name)
				log.Info("mdns: interface has no IPv6 address; speaking IPv4 only there", "interface", ifi.Name)
				continue
			}
		}
		s, err := openSock(ifi, cfg.Port, v6)
		if err != nil {
			last = err
			log.Warn("mdns: cannot speak "+familyName(v6)+" on interface; skipped", "interface", ifi.Name, "err", err)
			continue
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, last
	}
	return out, nil
}

func hasV6(ifi net.Interface) bool {
	for _, a := range interfaceAddrs(ifi, families{v6: true}) {
		if a.Is6() {
			return true
		}
	}
	return false
}

// openSock joins the group of the family on ifi at port.
func openSock(ifi net.Interface, port int, v6 bool) (*ifaceSock, error) {
	network, group := "udp4", &net.UDPAddr{IP: groupV4, Port: port}
	if v6 {
		network, group = "udp6", &net.UDPAddr{IP: groupV6, Port: port, Zone: ifi.Name}
	}
	conn, err := net.ListenMulticastUDP(network, &ifi, group)
	if err != nil {
		return nil, fmt.Errorf("mdns: interface %s: joining %v: %w", ifi.Name, group, err)
	}
	if err := setSockopts(conn, v6); err != nil {
		conn.Close()
		return nil, fmt.Errorf("mdns: interface %s: %w", ifi.Name, err)
	}
	return &ifaceSock{ifi: ifi, v6: v6, conn: conn, group: group}, nil
}

// interfaceAddrs returns the addresses of ifi of the families fams (what
// its A and AAAA records carry), IPv4 first, in a stable order and
// without zones.
func interfaceAddrs(ifi net.Interface, fams families) []netip.Addr {
	as, err := ifi.Addrs()
	if err != nil {
		return nil
	}
	var v4, v6 []netip.Addr
	for _, a := range as {
		n, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(n.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap().WithZone("")
		switch {
		case !fams.has(ip):
		case ip.Is4():
			v4 = append(v4, ip)
		default:
			v6 = append(v6, ip)
		}
	}
	return append(v4, v6...)
}
