package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/rpc/wire"
)

// TestCallsAndPushes counts calls and pushes on both sides, by method and
// code, over each format: successes, a handler's error, an application
// code, an unknown path; then the bytes, sessions and connections, and the
// session's end; with the counters in one shard and striped over three.
func TestCallsAndPushes(t *testing.T) {
	for _, f := range formats {
		for _, shards := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/shards=%d", f.name, shards), func(t *testing.T) {
				testCallsAndPushes(t, f.format, shards)
			})
		}
	}
}

func testCallsAndPushes(t *testing.T, format wire.Format, shards int) {
	leakcheck.Check(t)
	srvM, cliM := newStriped(t, Config{}, shards), newStriped(t, Config{}, shards)
	p := newPair(t, format, srvM, cliM)
	ctx := rpctest.Context(t)

	var sum int
	for range 3 {
		must(t, p.sess.Call(ctx, "/math/add", []int{1, 2, 3}, &sum))
	}
	if err := p.sess.Call(ctx, "/fail", int(rpc.CodeInvalidArgument), nil); rpc.CodeOf(err) != rpc.CodeInvalidArgument {
		t.Fatalf("/fail: %v", err)
	}
	if err := p.sess.Call(ctx, "/fail", 1042, nil); rpc.CodeOf(err) != 1042 {
		t.Fatalf("/fail with an application code: %v", err)
	}
	if err := p.sess.Call(ctx, "/no/such", 1, nil); rpc.CodeOf(err) != rpc.CodeNotFound {
		t.Fatalf("/no/such: %v", err)
	}
	must(t, p.sess.Push(ctx, "/note", "hello"))
	must(t, p.sess.Push(ctx, "/note", "bad"))

	checkValues(t, cliM, map[string]float64{
		`dmicro_client_calls_total{method="/math/add",code="ok"}`:                  3,
		`dmicro_client_calls_total{method="/fail",code="invalid_argument"}`:        1,
		`dmicro_client_calls_total{method="/fail",code="other"}`:                   1,
		`dmicro_client_calls_total{method="/no/such",code="not_found"}`:            1,
		`dmicro_client_call_duration_seconds_count{method="/math/add"}`:            3,
		`dmicro_client_call_duration_seconds_bucket{method="/math/add",le="+Inf"}`: 3,
		`dmicro_client_calls_in_flight`:                                            0,
		`dmicro_client_pushes_total{method="/note",code="ok"}`:                     2,
		`dmicro_sessions{side="dialed"}`:                                           1,
		`dmicro_sessions{side="accepted"}`:                                         0,
		`dmicro_connections_total{side="dialed"}`:                                  1,
		`dmicro_redials_total`:                                                     0,
	})
	// A reply reaches the caller before the server's AfterWriteReply
	// hook may have run: wait for the server's counts.
	waitValue(t, srvM, `dmicro_server_calls_total{method="/no/such",code="not_found"}`, 1)
	waitValue(t, srvM, `dmicro_server_pushes_total{method="/note",code="invalid_argument"}`, 1)
	waitValue(t, srvM, `dmicro_server_pushes_total{method="/note",code="ok"}`, 1)
	waitValue(t, srvM, `dmicro_server_requests_in_flight`, 0)
	waitValue(t, srvM, `dmicro_server_call_duration_seconds_count{method="/math/add"}`, 3)
	checkValues(t, srvM, map[string]float64{
		`dmicro_server_calls_total{method="/math/add",code="ok"}`:                  3,
		`dmicro_server_calls_total{method="/fail",code="invalid_argument"}`:        1,
		`dmicro_server_calls_total{method="/fail",code="other"}`:                   1,
		`dmicro_server_call_duration_seconds_bucket{method="/math/add",le="+Inf"}`: 3,
		`dmicro_server_pushes_received_total{method="/note"}`:                      2,
		`dmicro_sessions{side="accepted"}`:                                         1,
		`dmicro_connections_total{side="accepted"}`:                                1,
	})
	// The byte counters are the endpoints' (rpc.Endpoint.Stats): what
	// one side wrote, the other read.
	rpctest.WaitFor(t, "the byte counts of both sides to agree", func() bool {
		cli, srv := samples(t, mustExpose(t, cliM)), samples(t, mustExpose(t, srvM))
		return cli[`dmicro_sent_bytes_total`] > 0 && cli[`dmicro_received_bytes_total`] > 0 &&
			cli[`dmicro_sent_bytes_total`] == srv[`dmicro_received_bytes_total`] &&
			cli[`dmicro_received_bytes_total`] == srv[`dmicro_sent_bytes_total`]
	})

	p.sess.Close()
	waitValue(t, srvM, `dmicro_sessions{side="accepted"}`, 0)
	waitValue(t, srvM, `dmicro_disconnections_total{side="accepted"}`, 1)
	waitValue(t, cliM, `dmicro_sessions{side="dialed"}`, 0)
}

func mustExpose(t testing.TB, mt *Metrics) string {
	t.Helper()
	text, _ := expose(t, mt, "")
	return text
}

// TestShared gives one Metrics to both endpoints: the numbers of both
// sides add up in it.
func TestShared(t *testing.T) {
	leakcheck.Check(t)
	mt := newMetrics(t, Config{})
	p := newPair(t, nil, mt, mt)
	must(t, p.sess.Call(rpctest.Context(t), "/math/add", []int{1}, nil))
	waitValue(t, mt, `dmicro_server_calls_total{method="/math/add",code="ok"}`, 1)
	checkValues(t, mt, map[string]float64{
		`dmicro_client_calls_total{method="/math/add",code="ok"}`: 1,
		`dmicro_sessions{side="accepted"}`:                        1,
		`dmicro_sessions{side="dialed"}`:                          1,
		`dmicro_connections_total{side="accepted"}`:               1,
		`dmicro_connections_total{side="dialed"}`:                 1,
	})
	// A closed endpoint's sessions no longer count; its counts stay.
	p.cli.Close()
	waitValue(t, mt, `dmicro_sessions{side="accepted"}`, 0)
	checkValues(t, mt, map[string]float64{
		`dmicro_sessions{side="dialed"}`:                          0,
		`dmicro_client_calls_total{method="/math/add",code="ok"}`: 1,
	})
}

// TestInFlight checks that calls in flight are counted on both sides and
// leave the gauges when the client goes away mid-call, or gives up on the
// call, although the server cannot answer them.
func TestInFlight(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name+"/client vanishes", func(t *testing.T) {
			leakcheck.Check(t)
			srvM, cliM := newMetrics(t, Config{}), newMetrics(t, Config{})
			p := newPair(t, f.format, srvM, cliM)
			call := p.sess.AsyncCall(rpctest.Context(t), "/wait", struct{}{}, nil)
			waitValue(t, srvM, `dmicro_server_requests_in_flight`, 1)
			if v := value(t, cliM, `dmicro_client_calls_in_flight`); v != 1 {
				t.Fatalf("client in flight: %v, want 1", v)
			}
			p.cli.Close()
			if err := call.Err(); err == nil {
				t.Fatal("the call succeeded although its client closed")
			}
			waitValue(t, srvM, `dmicro_server_requests_in_flight`, 0)
			checkValues(t, cliM, map[string]float64{`dmicro_client_calls_in_flight`: 0})
			if got := countCalls(t, cliM, "dmicro_client_calls_total", "/wait"); got != 1 {
				t.Errorf("client counted %v calls of /wait, want 1", got)
			}
		})
	}
	t.Run("caller gives up", func(t *testing.T) {
		leakcheck.Check(t)
		srvM, cliM := newMetrics(t, Config{}), newMetrics(t, Config{})
		p := newPair(t, nil, srvM, cliM)
		ctx, cancel := context.WithCancel(rpctest.Context(t))
		call := p.sess.AsyncCall(ctx, "/wait", struct{}{}, nil)
		waitValue(t, srvM, `dmicro_server_requests_in_flight`, 1)
		cancel()
		if err := call.Err(); !errors.Is(err, context.Canceled) {
			t.Fatalf("canceled call: %v", err)
		}
		waitValue(t, srvM, `dmicro_server_requests_in_flight`, 0)
		checkValues(t, cliM, map[string]float64{
			`dmicro_client_calls_in_flight`:                             0,
			`dmicro_client_calls_total{method="/wait",code="canceled"}`: 1,
		})
		// The session is still there, and still counted.
		must(t, p.sess.Call(rpctest.Context(t), "/math/add", []int{1}, nil))
		checkValues(t, srvM, map[string]float64{`dmicro_sessions{side="accepted"}`: 1})
	})
}

// countCalls sums the samples of family for method over every code.
func countCalls(t testing.TB, mt *Metrics, family, method string) float64 {
	t.Helper()
	var n float64
	for series, v := range samples(t, mustExpose(t, mt)) {
		name, labels, _ := cutSeries(series)
		if name == family && labelValue(labels, "method") == method {
			n += v
		}
	}
	return n
}

// TestRedials restarts the server on the same address: the client's
// session redials, and its Metrics counts the loss, the redial and the
// second connection.
func TestRedials(t *testing.T) {
	leakcheck.Check(t)
	cliM := newMetrics(t, Config{})
	first, addr := startServer(t, nil, nil)
	cli := newClient(t, rpc.Config{Redial: rpc.RedialPolicy{Attempts: -1, MinDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond}}, cliM)
	sess, err := cli.Dial(rpctest.Context(t), addr)
	must(t, err)
	must(t, sess.Call(rpctest.Context(t), "/math/add", []int{1}, nil))

	first.Close()
	waitValue(t, cliM, `dmicro_disconnections_total{side="dialed"}`, 1)
	var l net.Listener
	rpctest.WaitFor(t, "the address to be free", func() bool {
		l, err = net.Listen("tcp", addr)
		return err == nil
	})
	startServer(t, nil, l)
	waitValue(t, cliM, `dmicro_redials_total`, 1)
	// The redial is counted as the connection is made, which may be a
	// moment before the session takes calls again.
	must(t, sess.Call(rpctest.Context(t), "/math/add", []int{1}, nil, rpc.WithWaitForReady()))
	checkValues(t, cliM, map[string]float64{
		`dmicro_connections_total{side="dialed"}`:                 2,
		`dmicro_sessions{side="dialed"}`:                          1,
		`dmicro_client_calls_total{method="/math/add",code="ok"}`: 2,
	})
}

// TestMethodCap makes 10 000 calls to distinct unknown paths: each side
// learns at most MaxMethods of them (the server's routes besides), counts
// the rest under "other", says once that the cap was reached, and its
// exposition has no more method labels than that.
func TestMethodCap(t *testing.T) {
	leakcheck.Check(t)
	const calls, workers = 10000, 8
	var srvLog, cliLog logBuffer
	srvM, cliM := newMetrics(t, Config{}), newMetrics(t, Config{})
	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: rpctest.Loopback(t), Logger: srvLog.Logger(slog.LevelWarn)}, srvM)
	must(t, err)
	t.Cleanup(func() { srv.Close() })
	routes(t, srv)
	l, err := srv.Listen(rpctest.Context(t))
	must(t, err)
	go srv.Serve(l)
	cli := newClient(t, rpc.Config{Logger: cliLog.Logger(slog.LevelWarn)}, cliM)
	sess, err := cli.Dial(rpctest.Context(t), l.Addr().String())
	must(t, err)

	call := func(i int) error {
		if err := sess.Call(rpctest.Context(t), fmt.Sprintf("/made/up/%d", i), 1, nil); rpc.CodeOf(err) != rpc.CodeNotFound {
			return fmt.Errorf("call %d: %v, want CodeNotFound", i, err)
		}
		return nil
	}
	must(t, call(0)) // learnt first, surely under the cap
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for i := 1 + w; i < calls; i += workers {
				if err := call(i); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		must(t, <-errs)
	}
	waitValue(t, srvM, `dmicro_server_requests_in_flight`, 0)
	waitValue(t, srvM, `dmicro_server_calls_total{method="other",code="not_found"}`, calls-DefaultMaxMethods)

	const routeCount = 4
	for _, c := range []struct {
		name   string
		mt     *Metrics
		labels int
		log    *logBuffer
	}{
		{"client", cliM, DefaultMaxMethods, &cliLog},
		{"server", srvM, DefaultMaxMethods + routeCount, &srvLog},
	} {
		if n := c.mt.methods.len(); n != c.labels {
			t.Errorf("%s holds %d methods, want %d", c.name, n, c.labels)
		}
		labels := map[string]bool{}
		for series := range samples(t, mustExpose(t, c.mt)) {
			if _, ls, ok := cutSeries(series); ok {
				if m := labelValue(ls, "method"); m != "" {
					labels[m] = true
				}
			}
		}
		if len(labels) > c.labels+1 {
			t.Errorf("%s exposes %d method labels, want at most %d", c.name, len(labels), c.labels+1)
		}
		if n := countOf(c.log.String(), "method label cap reached"); n != 1 {
			t.Errorf("%s logged the cap %d times, want once:\n%s", c.name, n, c.log)
		}
	}
	checkValues(t, cliM, map[string]float64{
		`dmicro_client_calls_total{method="other",code="not_found"}`:      calls - DefaultMaxMethods,
		`dmicro_client_calls_total{method="/made/up/0",code="not_found"}`: 1,
	})
	// Routes keep their labels past the cap.
	must(t, sess.Call(rpctest.Context(t), "/math/add", []int{1}, nil))
	waitValue(t, srvM, `dmicro_server_calls_total{method="/math/add",code="ok"}`, 1)
}
