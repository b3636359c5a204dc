package mdns

import (
	"net/netip"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/dnsmsg"
)

// FuzzResponse feeds decoded packets to the browser: no input panics, the
// cache stays within its cap, and the view stays consistent.
func FuzzResponse(f *testing.F) {
	e, err := newEntry(greeter("n1", "127.0.0.1:80"), greeter("n1", "127.0.0.1:80").Nodes[0], 0, "h")
	if err != nil {
		f.Fatal(err)
	}
	ptr, rest := e.records([]netip.Addr{netip.MustParseAddr("10.0.0.1")}, 120)
	good, _ := (&dnsmsg.Message{Flags: dnsmsg.FlagResponse, Answers: append([]dnsmsg.Record{ptr}, rest...)}).Append(nil)
	bye, _ := (&dnsmsg.Message{Flags: dnsmsg.FlagResponse, Answers: []dnsmsg.Record{{Name: ptr.Name, Type: ptr.Type, Class: 1, Target: ptr.Target}}}).Append(nil)
	f.Add(good)
	f.Add(bye)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewRegistry(Config{LocalOnly: true, Logger: quiet, MaxCache: 8})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		r.mu.Lock()
		r.browse.all = true
		r.browse.follow("_greeter._tcp.local.", time.Now())
		r.mu.Unlock()
		var m dnsmsg.Message
		if m.Decode(b) != nil {
			return
		}
		r.handleResponse(loSock, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), 5353), &m)
		r.expire(time.Now().Add(maxCacheTTL + time.Minute))
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.browse.recs) != 0 {
			t.Fatalf("%d records outlived their TTL", len(r.browse.recs))
		}
		for _, svc := range r.view {
			if len(svc.Nodes) != 1 {
				t.Fatalf("view entry with %d nodes", len(svc.Nodes))
			}
		}
	})
}
