package etcd

import (
	"fmt"
	"testing"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/internal/etcdtest"
)

// BenchmarkGetService: one GetService of a 10-node service from a real
// etcd over loopback (a range request through the gateway).
func BenchmarkGetService(b *testing.B) {
	m := etcdtest.Start(b)
	r := NewRegistry(Config{Endpoints: []string{m.ClientURL}})
	defer r.Close()
	s := discovery.Service{Name: "math"}
	for i := range 10 {
		s.Nodes = append(s.Nodes, discovery.Node{ID: fmt.Sprint(i), Address: fmt.Sprintf("127.0.0.1:%d", 9000+i)})
	}
	ctx := b.Context()
	if err := r.Register(ctx, s, discovery.RegisterOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.GetService(ctx, "math"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeRange: decoding a range answer of one key.
func BenchmarkDecodeRange(b *testing.B) {
	data := []byte(rangeAnswer)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeRange(data); err != nil {
			b.Fatal(err)
		}
	}
}
