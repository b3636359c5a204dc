//go:build unix

package lifecycle_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

// load keeps rpc callers and HTTP clients busy against a testbed's app,
// counting what succeeds and fails, until stopped.
type load struct {
	ok, failed         atomic.Int64
	httpOK, httpFailed atomic.Int64
	pids               sync.Map // pids that answered
	errs               chan error
	stop               context.CancelFunc
	wg                 sync.WaitGroup
	ep                 *rpc.Endpoint
	hc                 *http.Client
}

// startLoad starts callers concurrent rpc callers on one session and
// getters HTTP clients.
func startLoad(t *testing.T, b *testbed, callers, getters int) *load {
	t.Helper()
	ep, err := rpc.NewEndpoint(rpc.Config{Redial: rpc.RedialPolicy{Attempts: -1, MinDelay: 10 * time.Millisecond, MaxDelay: 200 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{stop: cancel, ep: ep, errs: make(chan error, 100),
		hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: getters}, Timeout: 30 * time.Second}}
	sess, err := ep.Dial(ctx, b.rpcAddr)
	if err != nil {
		t.Fatal(err)
	}
	record := func(err error) {
		select {
		case l.errs <- err:
		default:
		}
	}
	for range callers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for ctx.Err() == nil {
				var sum int
				cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
				err := sess.Call(cctx, "/math/add", []int{1, 2, 3}, &sum)
				ccancel()
				switch {
				case ctx.Err() != nil:
					return
				case err != nil || sum != 6:
					l.failed.Add(1)
					record(fmt.Errorf("call: %v (sum %d)", err, sum))
				default:
					l.ok.Add(1)
				}
			}
		}()
	}
	for range getters {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+b.webAddr+"/", nil)
				resp, err := l.hc.Do(req)
				if ctx.Err() != nil {
					if err == nil {
						resp.Body.Close()
					}
					return
				}
				if err != nil {
					l.httpFailed.Add(1)
					record(fmt.Errorf("GET: %v", err))
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					l.httpFailed.Add(1)
					record(fmt.Errorf("GET: %d %v", resp.StatusCode, err))
					continue
				}
				if pid, err := strconv.Atoi(strings.TrimSpace(string(body))); err == nil {
					l.pids.Store(pid, true)
				}
				l.httpOK.Add(1)
			}
		}()
	}
	return l
}

// finish stops the load and reports failures.
func (l *load) finish(t *testing.T) {
	t.Helper()
	l.stop()
	l.wg.Wait()
	l.ep.Close()
	l.hc.CloseIdleConnections()
	close(l.errs)
	for err := range l.errs {
		t.Error(err)
	}
	npids := 0
	l.pids.Range(func(any, any) bool { npids++; return true })
	t.Logf("rpc calls: %d ok, %d failed; http requests: %d ok, %d failed; %d processes answered",
		l.ok.Load(), l.failed.Load(), l.httpOK.Load(), l.httpFailed.Load(), npids)
	if l.failed.Load() != 0 || l.httpFailed.Load() != 0 {
		t.Errorf("%d calls and %d requests failed", l.failed.Load(), l.httpFailed.Load())
	}
}

// TestReloadUnderLoad keeps 64 rpc callers and 8 HTTP clients busy through
// 20 back-to-back reloads: no call and no request may fail.
func TestReloadUnderLoad(t *testing.T) {
	b := newTestbed(t)
	if out, code := b.run("start", "-d"); code != 0 {
		t.Fatalf("start -d exited %d: %s", code, out)
	}
	t.Cleanup(func() { b.run("stop") })
	l := startLoad(t, b, 64, 8)
	for i := range 20 {
		waitProgress(t, l)
		if out, code := b.run("reload"); code != 0 {
			l.finish(t)
			t.Fatalf("reload %d exited %d: %s", i+1, code, out)
		}
	}
	waitProgress(t, l)
	l.finish(t)
}

// waitProgress waits until both kinds of clients have succeeded again.
func waitProgress(t *testing.T, l *load) {
	t.Helper()
	ok, hok := l.ok.Load(), l.httpOK.Load()
	deadline := time.Now().Add(30 * time.Second)
	for l.ok.Load() < ok+64 || l.httpOK.Load() < hok+8 {
		if time.Now().After(deadline) {
			t.Fatalf("no progress: %d calls, %d requests", l.ok.Load(), l.httpOK.Load())
		}
		time.Sleep(5 * time.Millisecond) // polling counters the load goroutines bump
	}
}
