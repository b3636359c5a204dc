package selector_test

import (
	"fmt"
	"testing"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/discovery/selector"
)

func benchNodes(n int) []discovery.Node {
	out := make([]discovery.Node, n)
	for i := range out {
		out[i] = discovery.Node{ID: fmt.Sprintf("node-%03d", i), Address: fmt.Sprintf("10.0.0.%d:9000", i), Weight: 1 + i%3}
	}
	return out
}

// BenchmarkPick is one Pick and its Done per op, for each strategy over 3
// and 100 nodes, on one goroutine and on GOMAXPROCS.
func BenchmarkPick(b *testing.B) {
	for _, st := range strategies() {
		for _, n := range []int{3, 100} {
			s := selector.New(selector.Config{Strategy: st})
			s.Update(benchNodes(n))
			name := fmt.Sprintf("%T/nodes=%d", st, n)[len("selector."):]
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					p, err := s.Pick("user-42")
					if err != nil {
						b.Fatal(err)
					}
					p.Done(nil)
				}
			})
			b.Run(name+"/parallel", func(b *testing.B) {
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						p, err := s.Pick("user-42")
						if err != nil {
							b.Error(err)
							return
						}
						p.Done(nil)
					}
				})
			})
		}
	}
}

func TestPickAllocatesNothing(t *testing.T) {
	for _, st := range strategies() {
		s := selector.New(selector.Config{Strategy: st})
		s.Update(benchNodes(100))
		s.Report("node-007", fmt.Errorf("down")) // the back-off path too
		if a := testing.AllocsPerRun(1000, func() {
			p, _ := s.Pick("user-42")
			p.Done(nil)
		}); a != 0 {
			t.Errorf("%T: %v allocations per Pick and Done, want 0", st, a)
		}
	}
}
