package rpc_test

import (
	"sync"
	"testing"

	"github.com/dmicro-go/dmicro/rpc"
)

// TestCallsWhileConnectionsFail: calls racing their connection's failure
// (the server keeps closing the sessions under them, the client redials)
// each end with a reply or an error — never a wake-up with neither, which
// once came from a failed connection's signal left behind in a pooled
// call, for the call's next attempt or the next call to reuse it.
func TestCallsWhileConnectionsFail(t *testing.T) {
	p := newPair(t, pairOptions{
		cli:   rpc.Config{Redial: rpc.RedialPolicy{Attempts: -1, MinDelay: 1, MaxDelay: 1}},
		setup: biRoutes(t),
	})
	ctx := testCtx(t)
	const callers, calls = 16, 300
	var wg sync.WaitGroup
	stop := make(chan struct{})
	kick := make(chan struct{}, 1)
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		for {
			select {
			case <-stop:
				return
			case <-kick:
			}
			p.srv.RangeSessions(func(s *rpc.Session) bool {
				s.CloseConn(rpc.NewStatus(rpc.CodeUnavailable, "test closes it"))
				return true
			})
		}
	}()
	var ok, failed sync.Map
	for g := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				if i%8 == 0 {
					select {
					case kick <- struct{}{}:
					default:
					}
				}
				var sum int
				err := p.sess.Call(ctx, "/bi/sum", []int{g, i, 1}, &sum, rpc.WithWaitForReady())
				switch {
				case err == nil && sum != g+i+1:
					t.Errorf("caller %d call %d: sum %d, want %d", g, i, sum, g+i+1)
					return
				case err == nil:
					ok.Store(g*calls+i, true)
				default:
					failed.Store(g*calls+i, true)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-killed
	n := 0
	ok.Range(func(any, any) bool { n++; return true })
	t.Logf("%d of %d calls succeeded while connections failed", n, callers*calls)
}
