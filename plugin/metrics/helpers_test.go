package metrics

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/rpc/wire"
	wirehttp "github.com/dmicro-go/dmicro/rpc/wire/http"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// formats are the frame formats the tests run over: raw, the default, and
// HTTP/1.1.
var formats = []struct {
	name   string
	format wire.Format
}{
	{"raw", nil},
	{"http", wirehttp.Format{}},
}

// newMetrics returns a Metrics of cfg, failing the test on error.
func newMetrics(t testing.TB, cfg Config) *Metrics {
	t.Helper()
	mt, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return mt
}

// newStriped returns a Metrics of cfg striped over shards, whatever the
// number of Ps.
func newStriped(t testing.TB, cfg Config, shards int) *Metrics {
	t.Helper()
	mt, err := build(cfg, shards)
	if err != nil {
		t.Fatal(err)
	}
	return mt
}

// plugins returns the non-nil plugins of ps.
func plugins(ps ...rpc.Plugin) []rpc.Plugin {
	var l []rpc.Plugin
	for _, p := range ps {
		if p != nil && p != rpc.Plugin((*Metrics)(nil)) {
			l = append(l, p)
		}
	}
	return l
}

// startServer starts an endpoint with the test routes and plugins ps,
// serving l (a new listener on loopback if nil). It is closed when the
// test ends; its address is returned.
func startServer(t testing.TB, format wire.Format, l net.Listener, ps ...rpc.Plugin) (*rpc.Endpoint, string) {
	t.Helper()
	srv, err := rpc.NewEndpoint(rpc.Config{Format: format, ListenAddr: rpctest.Loopback(t)}, plugins(ps...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	routes(t, srv)
	if l == nil {
		if l, err = srv.Listen(rpctest.Context(t)); err != nil {
			t.Fatal(err)
		}
	}
	go srv.Serve(l)
	return srv, l.Addr().String()
}

// routes registers the test handlers: /math/add sums, /fail fails with
// the code it is given, /wait waits for its context to end, and the push
// /note fails for "bad".
func routes(t testing.TB, e *rpc.Endpoint) {
	t.Helper()
	r := e.Router()
	must(t, r.HandleCall("/math/add", rpc.CallFunc(func(_ *rpc.CallCtx, nums *[]int) (int, error) {
		sum := 0
		for _, n := range *nums {
			sum += n
		}
		return sum, nil
	})))
	must(t, r.HandleCall("/fail", rpc.CallFunc(func(_ *rpc.CallCtx, code *int) (int, error) {
		return 0, rpc.NewStatus(rpc.Code(*code), "asked to fail")
	})))
	must(t, r.HandleCall("/wait", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (int, error) {
		<-ctx.Context().Done()
		return 0, ctx.Context().Err()
	})))
	must(t, r.HandlePush("/note", rpc.PushFunc(func(_ *rpc.PushCtx, note *string) error {
		if *note == "bad" {
			return rpc.NewStatus(rpc.CodeInvalidArgument, "bad note")
		}
		return nil
	})))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newClient returns an endpoint with plugins ps, closed when the test ends.
func newClient(t testing.TB, cfg rpc.Config, ps ...rpc.Plugin) *rpc.Endpoint {
	t.Helper()
	cli, err := rpc.NewEndpoint(cfg, plugins(ps...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// pair is a server and a client session to it.
type pair struct {
	srv, cli *rpc.Endpoint
	sess     *rpc.Session
}

// newPair starts a server with srvPlug and dials it from a client with
// cliPlug, over format.
func newPair(t testing.TB, format wire.Format, srvPlug, cliPlug rpc.Plugin) *pair {
	t.Helper()
	srv, addr := startServer(t, format, nil, srvPlug)
	cli := newClient(t, rpc.Config{Format: format}, cliPlug)
	sess, err := cli.Dial(rpctest.Context(t), addr)
	if err != nil {
		t.Fatal(err)
	}
	return &pair{srv: srv, cli: cli, sess: sess}
}

// expose returns mt's exposition as a GET with accept would get it, and
// its Content-Type.
func expose(t testing.TB, mt *Metrics, accept string) (body, contentType string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	mt.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String(), rec.Header().Get("Content-Type")
}

// samples parses a text exposition into values keyed by series: the
// sample's name and labels as written.
func samples(t testing.TB, text string) map[string]float64 {
	t.Helper()
	m := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			t.Fatalf("sample without a value: %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		if _, dup := m[line[:i]]; dup {
			t.Fatalf("series written twice: %q", line[:i])
		}
		m[line[:i]] = v
	}
	return m
}

// value returns the value of series in mt's text exposition, 0 if absent.
func value(t testing.TB, mt *Metrics, series string) float64 {
	t.Helper()
	text, _ := expose(t, mt, "")
	return samples(t, text)[series]
}

// waitValue waits until series has value want in mt's exposition.
func waitValue(t testing.TB, mt *Metrics, series string, want float64) {
	t.Helper()
	rpctest.WaitFor(t, series+" = "+strconv.FormatFloat(want, 'g', -1, 64), func() bool {
		return value(t, mt, series) == want
	})
}

// checkValues fails for each series whose value in mt's exposition is not
// the one wanted.
func checkValues(t testing.TB, mt *Metrics, want map[string]float64) {
	t.Helper()
	text, _ := expose(t, mt, "")
	got := samples(t, text)
	for series, w := range want {
		if got[series] != w {
			t.Errorf("%s = %v, want %v", series, got[series], w)
		}
	}
}

// logBuffer is an slog destination that tests read; see
// rpctest.LogBuffer.
type logBuffer = rpctest.LogBuffer

// cutSeries splits a series into its name and the labels between its
// braces; ok is false when it has no labels.
func cutSeries(series string) (name, labels string, ok bool) {
	name, labels, ok = strings.Cut(series, "{")
	if ok {
		labels = strings.TrimSuffix(labels, "}")
	}
	return name, labels, ok
}

// labelValue returns the value of label name in labels, as written
// (escapes kept), or "" without it.
func labelValue(labels, name string) string {
	for labels != "" {
		k, rest, ok := strings.Cut(labels, `="`)
		if !ok {
			return ""
		}
		i := 0
		for i < len(rest) && rest[i] != '"' {
			if rest[i] == '\\' {
				i++
			}
			i++
		}
		if k == name {
			return rest[:min(i, len(rest))]
		}
		labels = strings.TrimPrefix(rest[min(i+1, len(rest)):], ",")
	}
	return ""
}

func countOf(s, sub string) int { return strings.Count(s, sub) }
