package mdns

import (
	"errors"
	"io"
	"log"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	dmdns "github.com/dmicro-go/dmicro/discovery/mdns"
	"github.com/dmicro-go/dmicro/internal/netnstest"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	hcmdns "github.com/hashicorp/mdns"
	"github.com/miekg/dns"
)

// newRegistry6 returns an IPv6-only registry on interface ifname of the
// namespace's veth pair.
func newRegistry6(t *testing.T, ifname, host string) *dmdns.Registry {
	t.Helper()
	netnstest.Need(t)
	r, err := dmdns.NewRegistry(dmdns.Config{Interfaces: []string{ifname}, Host: host, Logger: quiet, IPv6Only: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// TestHashicorpFindsDmicroIPv6: hashicorp/mdns's client, with IPv4
// disabled, finds over ff02::fb a node an IPv6-only dmicro registry
// publishes with the interface's link-local address.
func TestHashicorpFindsDmicroIPv6(t *testing.T) {
	ctx := rpctest.Context(t)
	reg := newRegistry6(t, netnstest.Peer, "dm")
	err := reg.Register(ctx, discovery.Service{Name: "greeter", Version: "1.0", Nodes: []discovery.Node{
		{ID: "n1", Address: ":8080", Metadata: map[string]string{"zone": "a"}},
	}}, discovery.RegisterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	link, err := net.InterfaceByName(netnstest.Link)
	if err != nil {
		t.Fatal(err)
	}
	var found *hcmdns.ServiceEntry
	rpctest.WaitFor(t, "hashicorp/mdns to find n1 over IPv6", func() bool {
		entries := make(chan *hcmdns.ServiceEntry, 16)
		err := hcmdns.Query(&hcmdns.QueryParam{
			Service: "_greeter._tcp", Domain: "local", Timeout: 500 * time.Millisecond,
			Interface: link, Entries: entries, DisableIPv4: true,
			Logger: log.New(io.Discard, "", 0),
		})
		close(entries)
		if err != nil {
			t.Logf("query: %v", err)
			return false
		}
		for e := range entries {
			if e.Name == "n1._greeter._tcp.local." && e.AddrV6 != nil {
				found = e
			}
		}
		return found != nil
	})
	if found.Port != 8080 || !found.AddrV6.Equal(net.IP(netnstest.PeerV6.AsSlice())) || !slices.Contains(found.InfoFields, "zone=a") {
		t.Fatalf("hashicorp/mdns found %+v", *found)
	}
}

// TestMiekgParsesIPv6Packets: every packet IPv6-only dmicro registries
// send over ff02::fb while probing, announcing, querying, answering and
// saying goodbye parses with miekg/dns, and AAAA records are among them.
func TestMiekgParsesIPv6Packets(t *testing.T) {
	netnstest.Need(t)
	link, err := net.InterfaceByName(netnstest.Link)
	if err != nil {
		t.Fatal(err)
	}
	sn := sniff(t, "udp6", link, net.ParseIP("ff02::fb"))
	pub, brw := newRegistry6(t, netnstest.Peer, "pub"), newRegistry6(t, netnstest.Link, "brw")
	svc := discovery.Service{Name: "greeter", Version: "1.0", Nodes: []discovery.Node{
		{ID: "n1", Address: "[fd00::7]:8080", Metadata: map[string]string{"zone": "a"}},
		{ID: "n2", Address: ":8081"},
	}}
	publishAndWithdraw(t, pub, brw, svc, nil)
	sn.check(t, []uint16{dns.TypePTR, dns.TypeSRV, dns.TypeTXT, dns.TypeAAAA}, []uint16{dns.TypeA})
}

// TestDmicroFindsHashicorpIPv6: an IPv6-only dmicro browser finds a
// service hashicorp/mdns's server publishes with an IPv6 address.
func TestDmicroFindsHashicorpIPv6(t *testing.T) {
	netnstest.Need(t)
	ctx := rpctest.Context(t)
	link, err := net.InterfaceByName(netnstest.Link)
	if err != nil {
		t.Fatal(err)
	}
	zone, err := hcmdns.NewMDNSService("hc1", "_greeter._tcp", "local.", "hchost.local.", 9090,
		[]net.IP{net.ParseIP("fd00::9")}, []string{"version=2.0", "zone=b"})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := hcmdns.NewServer(&hcmdns.Config{Zone: zone, Iface: link, Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	reg := newRegistry6(t, netnstest.Peer, "dm")
	rpctest.WaitFor(t, "dmicro to find hc1 over IPv6", func() bool {
		svcs, err := reg.GetService(ctx, "greeter")
		if errors.Is(err, discovery.ErrNotFound) {
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		n := svcs[0].Nodes[0]
		return svcs[0].Version == "2.0" && n.ID == "hc1" && n.Address == "[fd00::9]:9090" && n.Metadata["zone"] == "b"
	})
}
