package mdns

import (
	"errors"
	"net"
	"slices"
	"sync"
	"testing"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/miekg/dns"
)

// sniffer parses with miekg/dns every packet sent to the mDNS group on
// one interface, and counts the records by type.
type sniffer struct {
	conn *net.UDPConn
	done chan struct{}

	mu      sync.Mutex
	packets int
	types   map[uint16]int
	failed  []error
}

// sniff joins group (224.0.0.251 or ff02::fb) on ifi over network (udp4
// or udp6) at port 5353 and parses what arrives until check.
func sniff(t *testing.T, network string, ifi *net.Interface, group net.IP) *sniffer {
	t.Helper()
	conn, err := net.ListenMulticastUDP(network, ifi, &net.UDPAddr{IP: group, Port: 5353})
	if err != nil {
		t.Fatal(err)
	}
	s := &sniffer{conn: conn, done: make(chan struct{}), types: map[uint16]int{}}
	go s.read()
	t.Cleanup(s.stop)
	return s
}

func (s *sniffer) read() {
	defer close(s.done)
	buf := make([]byte, 9000)
	for {
		n, _, err := s.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		var m dns.Msg
		err = m.Unpack(buf[:n])
		s.mu.Lock()
		s.packets++
		if err != nil {
			s.failed = append(s.failed, err)
		}
		for _, rr := range slices.Concat(m.Answer, m.Ns, m.Extra) {
			s.types[rr.Header().Rrtype]++
		}
		s.mu.Unlock()
	}
}

func (s *sniffer) stop() {
	s.conn.Close()
	<-s.done
}

// check stops the sniffer and fails t for every packet miekg/dns could
// not parse, for each type of want never seen, and for each type of
// never seen.
func (s *sniffer) check(t *testing.T, want, never []uint16) {
	t.Helper()
	s.stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, err := range s.failed {
		t.Errorf("miekg/dns cannot parse a packet: %v", err)
	}
	for _, typ := range want {
		if s.types[typ] == 0 {
			t.Errorf("no %s record seen in %d packets", dns.TypeToString[typ], s.packets)
		}
	}
	for _, typ := range never {
		if n := s.types[typ]; n != 0 {
			t.Errorf("%d %s records seen", n, dns.TypeToString[typ])
		}
	}
	t.Logf("%d packets parsed, records by type %v", s.packets, s.types)
}

// publishAndWithdraw registers svc on pub, waits for brw to find its
// nodes, and, after between (if not nil), deregisters it and waits for
// the goodbyes to reach brw.
func publishAndWithdraw(t *testing.T, pub, brw discovery.Registry, svc discovery.Service, between func()) {
	t.Helper()
	ctx := rpctest.Context(t)
	if err := pub.Register(ctx, svc, discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	rpctest.WaitFor(t, "the browser to find every node", func() bool {
		svcs, err := brw.GetService(ctx, svc.Name)
		return err == nil && len(svcs[0].Nodes) == len(svc.Nodes)
	})
	if between != nil {
		between()
	}
	if err := pub.Deregister(ctx, svc); err != nil {
		t.Fatal(err)
	}
	rpctest.WaitFor(t, "the goodbyes to arrive", func() bool {
		_, err := brw.GetService(ctx, svc.Name)
		return errors.Is(err, discovery.ErrNotFound)
	})
}
