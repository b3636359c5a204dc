package mdns

import (
	"errors"
	"io"
	"log"
	"log/slog"
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

func TestMain(m *testing.M) { netnstest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func loopback(t *testing.T) *net.Interface {
	t.Helper()
	netnstest.Need(t)
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	return lo
}

func newRegistry(t *testing.T, host string) *dmdns.Registry {
	t.Helper()
	r, err := dmdns.NewRegistry(dmdns.Config{Interfaces: []string{"lo"}, Host: host, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// TestHashicorpFindsDmicro: hashicorp/mdns's client finds a node dmicro
// publishes, with its address, port and TXT metadata.
func TestHashicorpFindsDmicro(t *testing.T) {
	lo := loopback(t)
	ctx := rpctest.Context(t)
	reg := newRegistry(t, "dm")
	err := reg.Register(ctx, discovery.Service{Name: "greeter", Version: "1.0", Nodes: []discovery.Node{
		{ID: "n1", Address: "127.0.0.1:8080", Metadata: map[string]string{"zone": "a"}},
	}}, discovery.RegisterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, unicast := range []bool{false, true} {
		var found *hcmdns.ServiceEntry
		rpctest.WaitFor(t, "hashicorp/mdns to find n1", func() bool {
			entries := make(chan *hcmdns.ServiceEntry, 16)
			err := hcmdns.Query(&hcmdns.QueryParam{
				Service: "_greeter._tcp", Domain: "local", Timeout: 500 * time.Millisecond,
				Interface: lo, Entries: entries, DisableIPv6: true, WantUnicastResponse: unicast,
				Logger: log.New(io.Discard, "", 0),
			})
			close(entries)
			if err != nil {
				t.Logf("query: %v", err)
				return false
			}
			for e := range entries {
				if e.Name == "n1._greeter._tcp.local." {
					found = e
				}
			}
			return found != nil
		})
		if found.Port != 8080 || !found.AddrV4.Equal(net.IPv4(127, 0, 0, 1)) ||
			!slices.Contains(found.InfoFields, "zone=a") || !slices.Contains(found.InfoFields, "version=1.0") {
			t.Fatalf("unicast %v: hashicorp/mdns found %+v", unicast, *found)
		}
	}
}

// TestDmicroFindsHashicorp: dmicro's browser finds a service
// hashicorp/mdns's server publishes.
func TestDmicroFindsHashicorp(t *testing.T) {
	lo := loopback(t)
	ctx := rpctest.Context(t)
	zone, err := hcmdns.NewMDNSService("hc1", "_greeter._tcp", "local.", "hchost.local.", 9090,
		[]net.IP{net.IPv4(127, 0, 0, 1)}, []string{"version=2.0", "zone=b"})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := hcmdns.NewServer(&hcmdns.Config{Zone: zone, Iface: lo, Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	reg := newRegistry(t, "dm")
	rpctest.WaitFor(t, "dmicro to find hc1", func() bool {
		svcs, err := reg.GetService(ctx, "greeter")
		if errors.Is(err, discovery.ErrNotFound) {
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		n := svcs[0].Nodes[0]
		return svcs[0].Version == "2.0" && n.ID == "hc1" && n.Address == "127.0.0.1:9090" && n.Metadata["zone"] == "b"
	})
}

// TestMiekgParsesOurPackets: every packet dmicro sends while probing,
// announcing, querying, answering and saying goodbye parses with
// miekg/dns, multicast and unicast alike.
func TestMiekgParsesOurPackets(t *testing.T) {
	lo := loopback(t)
	ctx := rpctest.Context(t)
	sn := sniff(t, "udp4", lo, net.IPv4(224, 0, 0, 251))
	pub, brw := newRegistry(t, "pub"), newRegistry(t, "brw")
	svc := discovery.Service{Name: "greeter", Version: "1.0", Metadata: map[string]string{"team": "x"}, Nodes: []discovery.Node{
		{ID: "n.1", Address: "127.0.0.1:8080", Weight: 2, Metadata: map[string]string{"zone": "a"}},
		{ID: "n2", Address: ":8081"},
	}}
	publishAndWithdraw(t, pub, brw, svc, func() {
		if _, err := brw.ListServices(ctx); err != nil {
			t.Fatal(err)
		}
		// A one-shot query: its unicast answer must parse too.
		q := new(dns.Msg)
		q.SetQuestion("_greeter._tcp.local.", dns.TypePTR)
		qb, _ := q.Pack()
		answer := netnstest.OneShot(t, qb, rpctest.Timeout)
		var reply dns.Msg
		if err := reply.Unpack(answer); err != nil || reply.Id != q.Id || len(reply.Answer) == 0 {
			t.Fatalf("unicast answer: %v, %v", err, reply.String())
		}
	})
	sn.check(t, []uint16{dns.TypePTR, dns.TypeSRV, dns.TypeTXT, dns.TypeA}, nil)
}
