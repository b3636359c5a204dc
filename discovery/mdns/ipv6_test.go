package mdns

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/discovery/discoverytest"
	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/internal/netnstest"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// newOn returns a registry on interface ifname of the test namespace.
func newOn(t *testing.T, ifname, host string, cfg Config) *Registry {
	t.Helper()
	cfg.Interfaces, cfg.Host, cfg.Logger, cfg.BrowseWait = []string{ifname}, host, quiet, 2*time.Second
	r, err := NewRegistry(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func families6(r *Registry) (v4, v6 int) {
	for _, s := range r.socks {
		if s.v6 {
			v6++
		} else {
			v4++
		}
	}
	return v4, v6
}

// dialable fails t unless a TCP connection to addr succeeds.
func dialable(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, rpctest.Timeout)
	if err != nil {
		t.Fatalf("dialing the address the browser found: %v", err)
	}
	c.Close()
}

// listen6 listens on every address of the namespace (the link-local
// ones included) and returns the port.
func listen6(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp6", "[::]:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// TestIPv6Only: an IPv6-only publisher on one end of the veth pair and an
// IPv6-only browser on the other find each other over ff02::fb; the
// browser's address for a node published with the interface's addresses
// is the link-local one with the zone it came in on, and it dials; a
// node with an IPv6 literal keeps it; goodbyes over IPv6 remove.
func TestIPv6Only(t *testing.T) {
	needLink(t)
	leakcheck.Check(t)
	ctx := rpctest.Context(t)
	pub := newOn(t, netnstest.Peer, "pub", Config{IPv6Only: true})
	brw := newOn(t, netnstest.Link, "brw", Config{IPv6Only: true})
	for _, r := range []*Registry{pub, brw} {
		if v4, v6 := families6(r); v4 != 0 || v6 != 1 {
			t.Fatalf("IPv6Only registry has %d IPv4 and %d IPv6 sockets, want 0 and 1", v4, v6)
		}
	}
	events, err := brw.Watch(ctx, discovery.WatchFilter{Service: "greeter"})
	if err != nil {
		t.Fatal(err)
	}
	port := listen6(t)
	if err := pub.Register(ctx, greeter("n1", ":"+port), discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	want := net.JoinHostPort(netnstest.PeerV6.WithZone(netnstest.Link).String(), port)
	ev := discoverytest.NextEvent(t, events)
	if ev.Type != discovery.EventAdd || ev.Node().Address != want {
		t.Fatalf("event %v %+v, want add of n1 at %s", ev.Type, ev.Service, want)
	}
	if ev.Service.Version != "1.2" || ev.Node().Metadata["zone"] != "a" {
		t.Fatalf("event %+v lost the TXT data", ev.Service)
	}
	dialable(t, want)

	if err := pub.Register(ctx, greeter("n2", "[fd00::7]:80"), discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	if ev := discoverytest.NextEvent(t, events); ev.Type != discovery.EventAdd || ev.Node().Address != "[fd00::7]:80" {
		t.Fatalf("event %v %+v, want add of n2 at [fd00::7]:80", ev.Type, ev.Service)
	}
	if err := pub.Deregister(ctx, greeter("n1", ":"+port)); err != nil {
		t.Fatal(err)
	}
	if ev := discoverytest.NextEvent(t, events); ev.Type != discovery.EventRemove || ev.Node().ID != "n1" {
		t.Fatalf("event %v %+v, want remove of n1", ev.Type, ev.Service)
	}
	pub.Close()
	if ev := discoverytest.NextEvent(t, events); ev.Type != discovery.EventRemove || ev.Node().ID != "n2" {
		t.Fatalf("event %v %+v, want remove of n2", ev.Type, ev.Service)
	}
}

// TestDualStackFindsIPv6Only: a registry speaking both families (the
// zero Config) finds an IPv6-only publisher that started before it (so it
// must query over IPv6 and take the answer).
func TestDualStackFindsIPv6Only(t *testing.T) {
	needLink(t)
	leakcheck.Check(t)
	ctx := rpctest.Context(t)
	pub := newOn(t, netnstest.Peer, "pub", Config{IPv6Only: true})
	port := listen6(t)
	if err := pub.Register(ctx, greeter("n1", ":"+port), discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	brw := newOn(t, netnstest.Link, "brw", Config{})
	if v4, v6 := families6(brw); v4 != 1 || v6 != 1 {
		t.Fatalf("dual-stack registry has %d IPv4 and %d IPv6 sockets, want 1 and 1", v4, v6)
	}
	want := net.JoinHostPort(netnstest.PeerV6.WithZone(netnstest.Link).String(), port)
	rpctest.WaitFor(t, "the dual-stack browser to find n1 at "+want, func() bool {
		got, err := brw.GetService(ctx, "greeter")
		return err == nil && got[0].Nodes[0].Address == want
	})
	dialable(t, want)
	// And the other way: a dual-stack publisher's node (A and AAAA
	// records) seen by an IPv6-only browser is dialed over IPv6.
	dual := newOn(t, netnstest.Peer, "dual", Config{})
	if err := dual.Register(ctx, greeter("n2", ":"+port), discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	only6 := newOn(t, netnstest.Link, "only6", Config{IPv6Only: true})
	rpctest.WaitFor(t, "the IPv6-only browser to find n2 over IPv6", func() bool {
		got, err := only6.GetService(ctx, "greeter")
		if err != nil {
			return false
		}
		for _, n := range got[0].Nodes {
			if n.ID == "n2" && n.Address == want {
				return true
			}
		}
		return false
	})
}

// TestFamilies: a family that cannot speak on an interface is skipped
// (Linux does not multicast IPv6 on "lo"); an interface where no family
// can is an error when named; both Only flags is an error.
func TestFamilies(t *testing.T) {
	needLink(t)
	leakcheck.Check(t)
	r := newLinked(t, "lo4")
	if v4, v6 := families6(r); v4 != 1 || v6 != 0 {
		t.Fatalf("registry on lo has %d IPv4 and %d IPv6 sockets, want 1 and 0", v4, v6)
	}
	if _, err := NewRegistry(Config{Interfaces: []string{"lo"}, IPv6Only: true, Logger: quiet}); err == nil || !strings.Contains(err.Error(), "lo") {
		t.Fatalf("IPv6Only on lo: %v, want an error naming lo", err)
	}
	if _, err := NewRegistry(Config{IPv4Only: true, IPv6Only: true, Logger: quiet}); err == nil {
		t.Fatal("IPv4Only and IPv6Only: no error")
	}
	// Every interface: the veth pair speaks both families, lo IPv4 only.
	all, err := NewRegistry(Config{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	if v4, v6 := families6(all); v4 != 3 || v6 != 2 {
		t.Fatalf("registry on every interface has %d IPv4 and %d IPv6 sockets, want 3 and 2", v4, v6)
	}
	if _, err := all.GetService(rpctest.Context(t), "nothing"); !errors.Is(err, discovery.ErrNotFound) {
		t.Fatalf("GetService = %v, want ErrNotFound", err)
	}
}
