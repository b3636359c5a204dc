package mdns

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/internal/dnsmsg"
	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/internal/netnstest"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

func TestCompareProbes(t *testing.T) {
	srv := func(port uint16, target string) dnsmsg.Record {
		return dnsmsg.Record{Name: "n._x._tcp.local.", Type: dnsmsg.TypeSRV, Class: dnsmsg.ClassIN, TTL: 120, Port: port, Target: target}
	}
	txt := func(s ...string) dnsmsg.Record {
		return dnsmsg.Record{Name: "n._x._tcp.local.", Type: dnsmsg.TypeTXT, Class: dnsmsg.ClassIN, TTL: 120, Text: s}
	}
	a4 := dnsmsg.Record{Name: "n._x._tcp.local.", Type: dnsmsg.TypeA, Class: dnsmsg.ClassIN, TTL: 120, Addr: netip.MustParseAddr("10.0.0.1")}
	for _, c := range []struct {
		name string
		a, b []dnsmsg.Record
		want int
	}{
		{"identical, in another order and with other TTLs", []dnsmsg.Record{srv(1, "a.local."), txt("k=v")}, []dnsmsg.Record{txt("k=v"), srv(1, "a.local.")}, 0},
		{"the lower port loses", []dnsmsg.Record{srv(1, "a.local.")}, []dnsmsg.Record{srv(2, "a.local.")}, -1},
		{"the target decides", []dnsmsg.Record{srv(1, "a.local."), txt("k=v")}, []dnsmsg.Record{srv(1, "b.local."), txt("k=v")}, -1},
		{"TXT (16) sorts before SRV (33) and decides first", []dnsmsg.Record{srv(9, "z.local."), txt("a")}, []dnsmsg.Record{srv(1, "a.local."), txt("b")}, -1},
		{"type before data: A (1) sorts before SRV (33)", []dnsmsg.Record{a4, srv(9, "z.local.")}, []dnsmsg.Record{srv(1, "a.local.")}, -1},
		{"a prefix loses to the longer set", []dnsmsg.Record{txt("k=v")}, []dnsmsg.Record{srv(1, "a.local."), txt("k=v")}, -1},
	} {
		if got := compareProbes(c.a, c.b); got != c.want {
			t.Errorf("%s: compareProbes = %d, want %d", c.name, got, c.want)
		}
		if got := compareProbes(c.b, c.a); got != -c.want {
			t.Errorf("%s (swapped): compareProbes = %d, want %d", c.name, got, -c.want)
		}
	}
}

// TestSimultaneousProbes: two registries probe for the same name with
// different data at the same time: the tie-break lets exactly one
// register; the other fails with ErrConflict (it lost the tie-break,
// probed again, and met the winner's announcement or answer).
func TestSimultaneousProbes(t *testing.T) {
	needLink(t)
	leakcheck.Check(t)
	ctx := rpctest.Context(t)
	regs := []*Registry{newLinked(t, "a"), newLinked(t, "b")}
	errs := make([]error, len(regs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, r := range regs {
		wg.Go(func() {
			<-start
			errs[i] = r.Register(ctx, greeter("n1", "127.0.0.1:"+strconv.Itoa(i+1)), discovery.RegisterOptions{})
		})
	}
	close(start)
	wg.Wait()
	won, lost := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, ErrConflict):
			lost++
		default:
			t.Errorf("Register: %v", err)
		}
	}
	if won != 1 || lost != 1 {
		t.Fatalf("Register results %v: want one success and one ErrConflict", errs)
	}
	// The winner is what a browser finds.
	winner := "127.0.0.1:1"
	if errs[0] != nil {
		winner = "127.0.0.1:2"
	}
	brw := newLinked(t, "brw")
	rpctest.WaitFor(t, "the browser to find the winner", func() bool {
		got, err := brw.GetService(ctx, "greeter")
		return err == nil && len(got[0].Nodes) == 1 && got[0].Nodes[0].Address == winner
	})
}

// TestConflictAfterAnnouncing: another responder announcing a registered
// name with other data is reported once through Config.OnConflict (and
// logged); the registration stays and is still answered for.
func TestConflictAfterAnnouncing(t *testing.T) {
	needLink(t)
	leakcheck.Check(t)
	ctx := rpctest.Context(t)
	reported := make(chan error, 16)
	r, err := NewRegistry(Config{Interfaces: []string{"lo"}, Host: "a", Logger: quiet, OnConflict: func(err error) { reported <- err }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Register(ctx, greeter("n1", "127.0.0.1:1"), discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	other, err := openSock(*lo, DefaultPort, false)
	if err != nil {
		t.Fatal(err)
	}
	defer other.conn.Close()
	clash := pack(t, &dnsmsg.Message{Flags: dnsmsg.FlagResponse | dnsmsg.FlagAuthoritative, Answers: []dnsmsg.Record{
		{Name: "n1._greeter._tcp.local.", Type: dnsmsg.TypeSRV, Class: dnsmsg.ClassIN, CacheFlush: true, TTL: 120, Port: 9, Target: "intruder.local."},
	}})
	for range 3 {
		if _, err := other.conn.WriteToUDP(clash, other.group); err != nil {
			t.Fatal(err)
		}
	}
	var got error
	select {
	case got = <-reported:
	case <-ctx.Done():
		t.Fatal("no conflict reported")
	}
	if !errors.Is(got, ErrConflict) {
		t.Fatalf("OnConflict(%v): want an error wrapping ErrConflict", got)
	}
	// Still ours: a one-shot query is answered with our SRV.
	q := ptrQuery(7)
	q.Questions[0] = dnsmsg.Question{Name: "n1._greeter._tcp.local.", Type: dnsmsg.TypeSRV, Class: dnsmsg.ClassIN}
	var m dnsmsg.Message
	if err := m.Decode(netnstest.OneShot(t, pack(t, q), rpctest.Timeout)); err != nil || len(m.Answers) != 1 || m.Answers[0].Target != "a-127-0-0-1.local." {
		t.Fatalf("answer after the conflict: %+v, %v", m.Answers, err)
	}
	select {
	case err := <-reported:
		t.Fatalf("the same conflicting record reported again: %v", err)
	default:
	}
}

// TestProbeTieBreak: a probe from elsewhere for the name being probed,
// with records that sort after ours, makes the registry wait and probe
// again (more than three probes go out); one whose records sort before
// ours is ignored (exactly three). Neither is a conflict: nobody
// announced.
func TestProbeTieBreak(t *testing.T) {
	needLink(t)
	leakcheck.Check(t)
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	// Ours sort as TXT (type 16, data starting with the length of
	// "version=1.2") then SRV (33).
	for _, c := range []struct {
		text      []string
		moreThan3 bool
	}{{[]string{strings.Repeat("z", 200)}, true}, {nil, false}} {
		ctx := rpctest.Context(t)
		r := newLinked(t, "a")
		sniff, err := openSock(*lo, DefaultPort, false)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- r.Register(ctx, greeter("n1", "127.0.0.1:1"), discovery.RegisterOptions{}) }()
		rival := pack(t, &dnsmsg.Message{
			Questions: []dnsmsg.Question{{Name: "n1._greeter._tcp.local.", Type: dnsmsg.TypeANY, Class: dnsmsg.ClassIN}},
			Authorities: []dnsmsg.Record{
				{Name: "n1._greeter._tcp.local.", Type: dnsmsg.TypeSRV, Class: dnsmsg.ClassIN, TTL: 120, Port: 1, Target: "rival.local."},
				{Name: "n1._greeter._tcp.local.", Type: dnsmsg.TypeTXT, Class: dnsmsg.ClassIN, TTL: 120, Text: c.text},
			},
		})
		probes := 0
		buf := make([]byte, 9000)
		var m dnsmsg.Message
	read:
		for {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("rival TXT %q: Register: %v", c.text, err)
				}
				break read
			default:
			}
			sniff.conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			n, _, err := sniff.conn.ReadFromUDP(buf)
			if err != nil {
				continue
			}
			if m.Decode(buf[:n]) != nil || m.Response() || len(m.Authorities) == 0 || m.Authorities[0].Target != "a-127-0-0-1.local." {
				continue
			}
			if probes++; probes <= 2 {
				if _, err := sniff.conn.WriteToUDP(rival, sniff.group); err != nil {
					t.Fatal(err)
				}
			}
		}
		sniff.conn.Close()
		if c.moreThan3 != (probes > 3) {
			t.Errorf("rival TXT %q: %d probes sent; want more than 3: %v", c.text, probes, c.moreThan3)
		}
		r.Close()
	}
}
