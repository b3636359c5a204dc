package metrics

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/internal/testenv"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// oddMethod needs every escape a label value has.
const oddMethod = "/odd\"name\\with\nnewline"

// busyPair returns a server and a client Metrics, each with runtime
// metrics and a constant label, that counted calls (one of them to
// oddMethod, unknown), failures, pushes and a session.
func busyPair(t *testing.T) (srvM, cliM *Metrics) {
	t.Helper()
	cfg := Config{Runtime: true, ConstLabels: map[string]string{"service": `te"st`}}
	srvM, cliM = newMetrics(t, cfg), newMetrics(t, cfg)
	p := newPair(t, nil, srvM, cliM)
	ctx := rpctest.Context(t)
	must(t, p.sess.Call(ctx, "/math/add", []int{1, 2}, nil))
	p.sess.Call(ctx, "/fail", 3, nil)
	p.sess.Call(ctx, oddMethod, 1, nil)
	must(t, p.sess.Push(ctx, "/note", "hi"))
	waitValue(t, srvM, `dmicro_server_pushes_total{service="te\"st",method="/note",code="ok"}`, 1)
	waitValue(t, srvM, `dmicro_server_requests_in_flight{service="te\"st"}`, 0)
	return srvM, cliM
}

// TestPromtool has promtool check the text exposition of both sides.
func TestPromtool(t *testing.T) {
	promtool := testenv.LookPath(t, "promtool", "apt-get install prometheus")
	leakcheck.Check(t)
	srvM, cliM := busyPair(t)
	for name, mt := range map[string]*Metrics{"server": srvM, "client": cliM} {
		text, ctype := expose(t, mt, "")
		if ctype != contentTypeText {
			t.Errorf("%s: Content-Type %q, want %q", name, ctype, contentTypeText)
		}
		if !strings.Contains(text, `method="/odd\"name\\with\nnewline"`) {
			t.Errorf("%s: the odd method's label is missing or not escaped:\n%s", name, text)
		}
		if !strings.Contains(text, "\ngo_goroutines{") {
			t.Errorf("%s: no runtime metrics:\n%s", name, text)
		}
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = strings.NewReader(text)
		out, err := cmd.CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("%s: promtool check metrics: %v\n%s\n--- input:\n%s", name, err, out, text)
		}
	}
}

// TestOpenMetrics checks which Accept headers get OpenMetrics, and the
// structure of what they get.
func TestOpenMetrics(t *testing.T) {
	leakcheck.Check(t)
	for _, c := range []struct {
		accept string
		om     bool
	}{
		{"", false},
		{"text/plain", false},
		{"*/*", false},
		{"application/openmetrics-text", true},
		{"Application/OpenMetrics-Text; version=1.0.0; charset=utf-8", true},
		// Prometheus 2's header.
		{"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", true},
		{"text/plain;q=0.9, application/openmetrics-text;q=0.5", false},
		{"text/plain;q=0.5, application/openmetrics-text;q=0.5", true},
		{"application/openmetrics-text;q=0", false},
		{"application/openmetrics-text;q=bogus", false},
		{"application/openmetrics-text;q=2", false},
	} {
		if got := wantsOpenMetrics([]string{c.accept}); got != c.om {
			t.Errorf("Accept %q: OpenMetrics %v, want %v", c.accept, got, c.om)
		}
	}

	srvM, cliM := busyPair(t)
	for name, mt := range map[string]*Metrics{"server": srvM, "client": cliM} {
		text, ctype := expose(t, mt, "application/openmetrics-text")
		if ctype != contentTypeOpenMetrics {
			t.Errorf("%s: Content-Type %q, want %q", name, ctype, contentTypeOpenMetrics)
		}
		if err := checkOpenMetrics(text); err != "" {
			t.Errorf("%s: %s\n--- exposition:\n%s", name, err, text)
		}
		// The same samples as the text format, but for runtime metrics
		// that changed in between.
		om, plain := samples(t, strings.TrimSuffix(text, "# EOF\n")), samples(t, mustExpose(t, mt))
		for series, v := range plain {
			if strings.HasPrefix(series, "go_") || strings.Contains(series, "_bucket{") {
				continue
			}
			if om[series] != v {
				t.Errorf("%s: %s is %v in OpenMetrics, %v in the text format", name, series, om[series], v)
			}
		}
	}
}

// checkOpenMetrics returns what in text breaks the OpenMetrics 1.0.0
// rules this package must keep, or "".
func checkOpenMetrics(text string) string {
	if !strings.HasSuffix(text, "\n# EOF\n") || strings.Count(text, "# EOF") != 1 {
		return "does not end with a single # EOF"
	}
	seen := map[string]bool{}
	var family, typ string
	var hist struct {
		labels string
		last   float64
		le     string
		inf    float64
	}
	sc := bufio.NewScanner(strings.NewReader(strings.TrimSuffix(text, "# EOF\n")))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "# "); ok {
			kind, rest, _ := strings.Cut(rest, " ")
			name, arg, _ := strings.Cut(rest, " ")
			switch kind {
			case "TYPE":
				if seen[name] {
					return "family " + name + " is not contiguous"
				}
				seen[name], family, typ = true, name, arg
				if typ == "counter" && strings.HasSuffix(name, "_total") {
					return "counter family " + name + " ends with _total"
				}
			case "UNIT":
				if name != family || !strings.HasSuffix(name, "_"+arg) {
					return "UNIT " + arg + " does not fit family " + name
				}
			case "HELP":
				if name != family {
					return "HELP of " + name + " outside its family"
				}
			default:
				return "unknown line: " + line
			}
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			return "bad sample: " + line
		}
		name, labels, _ := cutSeries(line[:i])
		suffix, ok := strings.CutPrefix(name, family)
		if !ok {
			return "sample " + line + " outside family " + family
		}
		switch typ + suffix {
		case "counter_total", "gauge":
			if typ == "counter" && v < 0 {
				return "negative counter: " + line
			}
		case "histogram_bucket":
			le := labelValue(labels, "le")
			rest := strings.Replace(labels, `le="`+le+`"`, "", 1)
			if rest != hist.labels {
				hist.labels, hist.last = rest, 0
			}
			if le != "+Inf" && !strings.ContainsAny(le, ".e") {
				return "le not canonical: " + line
			}
			if v < hist.last {
				return "buckets not cumulative: " + line
			}
			hist.last, hist.le = v, le
			if le == "+Inf" {
				hist.inf = v
			}
		case "histogram_count":
			if hist.le != "+Inf" || v != hist.inf {
				return "count does not follow a +Inf bucket of the same value: " + line
			}
		case "histogram_sum":
			if v < 0 || math.IsNaN(v) {
				return "bad sum: " + line
			}
		default:
			return "sample " + line + " does not fit " + typ + " family " + family
		}
	}
	return ""
}

// TestServeHTTP checks gzip, HEAD and the refusal of other methods.
func TestServeHTTP(t *testing.T) {
	mt := newMetrics(t, Config{})
	plain := mustExpose(t, mt)

	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept-Encoding", "br;q=1, gzip;q=0.8")
	rec := httptest.NewRecorder()
	mt.ServeHTTP(rec, req)
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("Accept-Encoding gzip: Content-Encoding %q", rec.Header().Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(rec.Body)
	must(t, err)
	unzipped, err := io.ReadAll(zr)
	must(t, err)
	if string(unzipped) != plain {
		t.Errorf("gzipped exposition differs:\n%s\n--- plain:\n%s", unzipped, plain)
	}
	for ae, want := range map[string]bool{"gzip;q=0": false, "identity": false, "*": true, "GZIP": true, "*;q=0.1, gzip;q=0": false} {
		if got := acceptsGzip([]string{ae}); got != want {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", ae, got, want)
		}
	}

	rec = httptest.NewRecorder()
	mt.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/metrics", nil))
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != contentTypeText ||
		rec.Header().Get("Content-Length") != strconv.Itoa(len(plain)) {
		t.Errorf("HEAD: %d, %d bytes, headers %v", rec.Code, rec.Body.Len(), rec.Header())
	}

	rec = httptest.NewRecorder()
	mt.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/metrics", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}

// TestEmpty checks the exposition of a Metrics that counted nothing: the
// gauges and endpoint-wide counters only, at zero.
func TestEmpty(t *testing.T) {
	mt := newMetrics(t, Config{Namespace: "svc"})
	got := samples(t, mustExpose(t, mt))
	want := []string{
		"svc_client_calls_in_flight", "svc_server_requests_in_flight",
		`svc_sessions{side="accepted"}`, `svc_sessions{side="dialed"}`,
		`svc_connections_total{side="accepted"}`, `svc_disconnections_total{side="dialed"}`,
		"svc_redials_total", "svc_dial_failures_total",
		`svc_received_bytes_total`, `svc_sent_bytes_total`,
	}
	for _, s := range want {
		if v, ok := got[s]; !ok || v != 0 {
			t.Errorf("%s: %v (present %v), want 0", s, v, ok)
		}
	}
	if len(got) != 2+2+2+2+2+1+1 {
		t.Errorf("%d samples, want 12: %v", len(got), got)
	}
}

func TestFormatting(t *testing.T) {
	if got := escapeLabel("a\\b\"c\nd"); got != `a\\b\"c\nd` {
		t.Errorf("escapeLabel: %s", got)
	}
	if got := string(appendEscaped(nil, "a\\b\"c\nd", false)); got != `a\\b"c\nd` {
		t.Errorf("HELP escape of the text format: %s", got)
	}
	for _, c := range []struct {
		v         float64
		canonical bool
		want      string
	}{
		{1, true, "1.0"}, {1, false, "1"}, {10, true, "10.0"}, {0.5, true, "0.5"}, {2.5e-5, true, "2.5e-05"},
		{1e21, true, "1e+21"}, {math.Inf(1), true, "+Inf"}, {math.Inf(-1), false, "-Inf"}, {math.NaN(), false, "NaN"},
	} {
		if got := string(appendFloat(nil, c.v, c.canonical)); got != c.want {
			t.Errorf("appendFloat(%v, %v) = %s, want %s", c.v, c.canonical, got, c.want)
		}
	}
}
