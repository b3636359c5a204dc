//go:build unix

package hotrestart

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// load is closed-loop keep-alive HTTP clients, each with a transport of its
// own (so one connection each), recording every response.
type load struct {
	url   string
	start time.Time
	conns atomic.Int64

	wg      sync.WaitGroup
	cancel  context.CancelFunc
	clients []*client
	end     time.Duration // when stop was called, since start
}

// client is one caller's record. Times are since load.start.
type client struct {
	ok       []time.Duration // end of each successful response, in order
	latency  []time.Duration // of each successful response
	pids     map[int]time.Duration
	failures map[string]int
	failed   []Failure
}

// Failure is one failed request.
type Failure struct {
	At   time.Duration `json:"at"` // since the load started
	Kind string        `json:"kind"`
	Err  string        `json:"err"`
	// Conns are the connections its attempts got: "new" or "reused",
	// and the client's address.
	Conns []string `json:"conns"`
}

// startLoad starts n clients calling url in a loop until stop.
func startLoad(url string, n int) *load {
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{url: url, start: time.Now(), cancel: cancel}
	for range n {
		c := &client{pids: map[int]time.Duration{}, failures: map[string]int{},
			// Room for a run's answers: the load generator's own copying
			// and garbage would stall every client alike.
			ok: make([]time.Duration, 0, 1<<14), latency: make([]time.Duration, 0, 1<<14)}
		l.clients = append(l.clients, c)
		l.wg.Go(func() { l.run(ctx, c) })
	}
	return l
}

// stop ends the load and waits for the clients.
func (l *load) stop() {
	l.end = time.Since(l.start)
	l.cancel()
	l.wg.Wait()
}

func (l *load) run(ctx context.Context, c *client) {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 1,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	// conns lists the connections each attempt of a request got (the
	// transport retries a GET that a closing keep-alive connection cut).
	var conns []string
	trace := &httptrace.ClientTrace{
		ConnectDone: func(_, _ string, err error) {
			if err == nil {
				l.conns.Add(1)
			}
		},
		GotConn: func(info httptrace.GotConnInfo) {
			how := "new"
			if info.Reused {
				how = "reused"
			}
			conns = append(conns, how+" "+info.Conn.LocalAddr().String())
		},
	}
	rctx := httptrace.WithClientTrace(context.WithoutCancel(ctx), trace)
	for ctx.Err() == nil {
		conns = conns[:0]
		t0 := time.Now()
		pid, err := get(rctx, hc, l.url)
		if ctx.Err() != nil {
			return // a request the end of the load cut short counts neither way
		}
		t1 := time.Now()
		if err != nil {
			kind := classify(err)
			c.failures[kind]++
			c.failed = append(c.failed, Failure{At: t1.Sub(l.start), Kind: kind, Err: err.Error(), Conns: slices.Clone(conns)})
			time.Sleep(time.Millisecond) // no spin against a closed port
			continue
		}
		at := t1.Sub(l.start)
		c.ok = append(c.ok, at)
		c.latency = append(c.latency, t1.Sub(t0))
		if _, seen := c.pids[pid]; !seen {
			c.pids[pid] = at
		}
	}
}

// get makes one request and returns the pid in the answer.
func get(ctx context.Context, hc *http.Client, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("body %q", b)
	}
	return pid, nil
}

// classify names a failure by its cause, without addresses.
func classify(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EPIPE):
		return "broken pipe"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected EOF"
	case errors.Is(err, io.EOF):
		return "EOF"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	}
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}
