package metrics

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/internal/testenv"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// TestPrometheusScrapes runs a real Prometheus server that scrapes a
// Metrics twice: as Prometheus asks (OpenMetrics), and with its Accept
// header removed (the text format). Its query API must return the call
// counter and the histogram's count through both.
func TestPrometheusScrapes(t *testing.T) {
	prometheus := testenv.LookPath(t, "prometheus", "apt-get install prometheus")
	leakcheck.Check(t)
	const calls = 7
	srvM := newMetrics(t, Config{ConstLabels: map[string]string{"service": "scraped"}})
	p := newPair(t, nil, srvM, nil)
	for i := range calls {
		must(t, p.sess.Call(rpctest.Context(t), "/math/add", []int{i}, nil))
	}
	waitValue(t, srvM, `dmicro_server_calls_total{service="scraped",method="/math/add",code="ok"}`, calls)

	var accept atomic.Value // of Prometheus's last request to /metrics
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		accept.Store(r.Header.Values("Accept"))
		srvM.ServeHTTP(w, r)
	})
	mux.HandleFunc("/text", func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Accept")
		srvM.ServeHTTP(w, r)
	})
	target := httptest.NewServer(mux) // on 127.0.0.1
	t.Cleanup(target.Close)           // after Prometheus is gone: cleanups run last first
	prom := startPrometheus(t, prometheus, target.Listener.Addr().String())

	var last string // Prometheus's last answer, for a failure
	defer func() {
		if t.Failed() {
			t.Logf("last answer: %s", last)
			prom.logTargets(t)
		}
	}()
	for _, job := range []string{"openmetrics", "text"} {
		for _, q := range []string{
			`dmicro_server_calls_total{job="%s",service="scraped",method="/math/add",code="ok"}`,
			`dmicro_server_call_duration_seconds_count{job="%s",method="/math/add"}`,
			`dmicro_server_call_duration_seconds_bucket{job="%s",method="/math/add",le="+Inf"}`,
		} {
			q = fmt.Sprintf(q, job)
			rpctest.WaitFor(t, "Prometheus to return "+q+" = "+strconv.Itoa(calls), func() bool {
				prom.checkRunning(t)
				v, err := prom.query(q)
				last = fmt.Sprint(v, err)
				return err == nil && v == calls
			})
		}
	}
	if a, _ := accept.Load().([]string); !wantsOpenMetrics(a) {
		t.Errorf("Prometheus asked for %q: not OpenMetrics, which the job was to test", a)
	}
}

// promServer is a Prometheus server run by a test.
type promServer struct {
	api    string // its base URL
	log    string // the file of its output
	done   chan struct{}
	err    error // Wait's, once done is closed
	client *http.Client
}

// startPrometheus starts Prometheus scraping target every 200 ms as two
// jobs, openmetrics (/metrics) and text (/text), in a temporary directory.
// It is killed, and waited for, when the test ends.
func startPrometheus(t *testing.T, prometheus, target string) *promServer {
	t.Helper()
	dir := t.TempDir()
	config := fmt.Sprintf(`global:
  scrape_interval: 200ms
  scrape_timeout: 200ms
scrape_configs:
  - job_name: openmetrics
    metrics_path: /metrics
    static_configs: [{targets: [%[1]q]}]
  - job_name: text
    metrics_path: /text
    static_configs: [{targets: [%[1]q]}]
`, target)
	must(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o644))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := l.Addr().String()
	l.Close()

	ps := &promServer{
		api:    "http://" + addr,
		log:    filepath.Join(dir, "prometheus.log"),
		done:   make(chan struct{}),
		client: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}},
	}
	logf, err := os.Create(ps.log)
	must(t, err)
	defer logf.Close() // the child has its own descriptor
	cmd := exec.Command(prometheus,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	must(t, cmd.Start())
	go func() {
		ps.err = cmd.Wait()
		close(ps.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-ps.done
		if t.Failed() {
			out, _ := os.ReadFile(ps.log)
			t.Logf("prometheus output:\n%s", out)
		}
	})
	return ps
}

// checkRunning fails the test if Prometheus has exited.
func (ps *promServer) checkRunning(t *testing.T) {
	select {
	case <-ps.done:
		t.Fatalf("prometheus exited: %v", ps.err)
	default:
	}
}

// get decodes the data of a successful answer of the API at path.
func (ps *promServer) get(path string, data any) error {
	resp, err := ps.client.Get(ps.api + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var answer struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return fmt.Errorf("%s: %d, %v", path, resp.StatusCode, err)
	}
	if answer.Status != "success" {
		return fmt.Errorf("%s: %s %s", path, answer.Status, answer.Error)
	}
	return json.Unmarshal(answer.Data, data)
}

// query returns the value of the one series an instant query returns.
func (ps *promServer) query(q string) (float64, error) {
	var data struct {
		Result []struct {
			Value [2]any `json:"value"`
		} `json:"result"`
	}
	if err := ps.get("/api/v1/query?query="+url.QueryEscape(q), &data); err != nil {
		return 0, err
	}
	if len(data.Result) != 1 {
		return 0, fmt.Errorf("%d series", len(data.Result))
	}
	s, _ := data.Result[0].Value[1].(string)
	return strconv.ParseFloat(s, 64)
}

// logTargets logs the health of each target and the error of its last
// scrape, to tell why a query found nothing. (Under load a scrape may time
// out now and then, which the test does not hold against the handler.)
func (ps *promServer) logTargets(t *testing.T) {
	t.Helper()
	var data struct {
		ActiveTargets []struct {
			ScrapeURL string `json:"scrapeUrl"`
			Health    string `json:"health"`
			LastError string `json:"lastError"`
		} `json:"activeTargets"`
	}
	if err := ps.get("/api/v1/targets", &data); err != nil {
		t.Logf("targets: %v", err)
		return
	}
	for _, tg := range data.ActiveTargets {
		t.Logf("target %s: %s, last error %q", tg.ScrapeURL, tg.Health, tg.LastError)
	}
}
