package metrics_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/dmicro-go/dmicro/plugin/metrics"
	"github.com/dmicro-go/dmicro/rpc"
)

// Example counts a client's calls and serves the counts over HTTP, as
// Prometheus scrapes them.
func Example() {
	ctx := context.Background()

	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	err = srv.Router().HandleCall("/math/add", rpc.CallFunc(func(_ *rpc.CallCtx, nums *[]int) (int, error) {
		sum := 0
		for _, n := range *nums {
			sum += n
		}
		return sum, nil
	}))
	if err != nil {
		log.Fatal(err)
	}
	l, err := srv.Listen(ctx)
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)

	// The plugin goes to NewEndpoint; the same value serves HTTP.
	mt, err := metrics.New(metrics.Config{})
	if err != nil {
		log.Fatal(err)
	}
	cli, err := rpc.NewEndpoint(rpc.Config{}, mt)
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	web := httptest.NewServer(mt)
	defer web.Close()

	sess, err := cli.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	var sum int
	for range 2 {
		if err := sess.Call(ctx, "/math/add", []int{1, 2, 3}, &sum); err != nil {
			log.Fatal(err)
		}
	}
	err = sess.Call(ctx, "/math/sub", []int{3, 2}, &sum)
	fmt.Println(err)

	resp, err := http.Get(web.URL + "/metrics")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "dmicro_client_calls_total") {
			fmt.Println(line)
		}
	}
	// Output:
	// rpc: not found: no handler for /math/sub
	// dmicro_client_calls_total{method="/math/add",code="ok"} 2
	// dmicro_client_calls_total{method="/math/sub",code="not_found"} 1
}

// ExampleMetrics_ServeHTTP shows the two exposition formats: the
// Prometheus text format by default, and OpenMetrics for a scraper that
// asks for it.
func ExampleMetrics_ServeHTTP() {
	mt, err := metrics.New(metrics.Config{
		Namespace:   "billing",
		ConstLabels: map[string]string{"region": "eu"},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, accept := range []string{"", "application/openmetrics-text"} {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.Header.Set("Accept", accept)
		rec := httptest.NewRecorder()
		mt.ServeHTTP(rec, req)
		fmt.Println(rec.Header().Get("Content-Type"))
		for line := range strings.Lines(rec.Body.String()) {
			if strings.Contains(line, "billing_redials") || strings.HasPrefix(line, "# EOF") {
				fmt.Print(line)
			}
		}
	}
	// Output:
	// text/plain; version=0.0.4; charset=utf-8
	// # HELP billing_redials_total Connections that dialed sessions made again after losing one.
	// # TYPE billing_redials_total counter
	// billing_redials_total{region="eu"} 0
	// application/openmetrics-text; version=1.0.0; charset=utf-8
	// # TYPE billing_redials counter
	// # HELP billing_redials Connections that dialed sessions made again after losing one.
	// billing_redials_total{region="eu"} 0
	// # EOF
}
