package mdns

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/discovery/discoverytest"
	"github.com/dmicro-go/dmicro/internal/dnsmsg"
	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/internal/netnstest"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// TestAddressChange: a node published with the interface's addresses is
// announced again when the interface gains an address, and a goodbye goes
// out for an address it loses; the browser follows both without the node
// registering again.
func TestAddressChange(t *testing.T) {
	needLink(t)
	leakcheck.Check(t)
	ctx := rpctest.Context(t)
	// A veth pair of this test's own, so no other test sees its changes.
	netnstest.IP(t, "link", "add", "addr0", "type", "veth", "peer", "name", "addr1")
	t.Cleanup(func() { netnstest.IP(t, "link", "del", "addr0") })
	netnstest.IP(t, "addr", "add", "10.54.0.10/24", "dev", "addr0")
	netnstest.IP(t, "link", "set", "addr1", "up")
	netnstest.IP(t, "link", "set", "addr0", "up")

	pub := newOn(t, "addr0", "pub", Config{IPv4Only: true, AddressCheck: 100 * time.Millisecond})
	brw := newOn(t, "addr0", "brw", Config{IPv4Only: true})
	events, err := brw.Watch(ctx, discovery.WatchFilter{Service: "greeter"})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Register(ctx, greeter("n1", ":7000"), discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	if ev := discoverytest.NextEvent(t, events); ev.Type != discovery.EventAdd || ev.Node().Address != "10.54.0.10:7000" {
		t.Fatalf("event %v %+v, want add of n1 at 10.54.0.10:7000", ev.Type, ev.Service)
	}
	ifi, err := net.InterfaceByName("addr0")
	if err != nil {
		t.Fatal(err)
	}
	sniff, err := openSock(*ifi, DefaultPort, false)
	if err != nil {
		t.Fatal(err)
	}
	defer sniff.conn.Close()

	// A new, lower address: the browser dials it from now on.
	netnstest.IP(t, "addr", "add", "10.54.0.5/24", "dev", "addr0")
	if ev := discoverytest.NextEvent(t, events); ev.Type != discovery.EventUpdate || ev.Node().Address != "10.54.0.5:7000" {
		t.Fatalf("event %v %+v, want update of n1 to 10.54.0.5:7000", ev.Type, ev.Service)
	}
	// Losing it: a goodbye for its A record, and the browser is back on
	// the old address.
	netnstest.IP(t, "addr", "del", "10.54.0.5/24", "dev", "addr0")
	if ev := discoverytest.NextEvent(t, events); ev.Type != discovery.EventUpdate || ev.Node().Address != "10.54.0.10:7000" {
		t.Fatalf("event %v %+v, want update of n1 back to 10.54.0.10:7000", ev.Type, ev.Service)
	}
	gone := netip.MustParseAddr("10.54.0.5")
	buf := make([]byte, 9000)
	var m dnsmsg.Message
	sniff.conn.SetReadDeadline(time.Now().Add(rpctest.Timeout))
	for found := false; !found; {
		n, _, err := sniff.conn.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("no goodbye for the lost address: %v", err)
		}
		if m.Decode(buf[:n]) != nil || !m.Response() {
			continue
		}
		for _, r := range m.Answers {
			found = found || r.Type == dnsmsg.TypeA && r.Addr == gone && r.TTL == 0
		}
	}
	got, err := brw.GetService(ctx, "greeter")
	if err != nil || len(got[0].Nodes) != 1 || got[0].Nodes[0].Address != "10.54.0.10:7000" {
		t.Fatalf("GetService = %+v, %v; want n1 at 10.54.0.10:7000", got, err)
	}
}
