package mdns

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/internal/dnsmsg"
)

// BenchmarkGetServiceCached: a lookup answered from the registry's view.
func BenchmarkGetServiceCached(b *testing.B) {
	r, err := NewRegistry(Config{LocalOnly: true, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	ctx := b.Context()
	for i := range 8 {
		if err := r.Register(ctx, greeter(fmt.Sprint("n", i), "127.0.0.1:80"), discovery.RegisterOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.GetService(ctx, "greeter"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandleResponse: a known answer arriving again (a TTL renewal),
// the browser's steady state.
func BenchmarkHandleResponse(b *testing.B) {
	r, err := NewRegistry(Config{LocalOnly: true, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	svc := greeter("n1", "127.0.0.1:80")
	e, _ := newEntry(svc, svc.Nodes[0], 0, "h")
	ptr, rest := e.records(nil, 120)
	pkt, _ := (&dnsmsg.Message{Flags: dnsmsg.FlagResponse, Answers: append([]dnsmsg.Record{ptr}, rest...)}).Append(nil)
	r.mu.Lock()
	r.browse.follow(e.typ, time.Now())
	r.mu.Unlock()
	src := netip.MustParseAddrPort("127.0.0.1:5353")
	var m dnsmsg.Message
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Decode(pkt); err != nil {
			b.Fatal(err)
		}
		r.handleResponse(loSock, src, &m)
	}
}
