package websocket

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/internal/testenv"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	wirejson "github.com/dmicro-go/dmicro/rpc/wire/json"
)

// onePortPage is the page of TestOnePortBrowser. With js/dmicro.js it
// calls /math/add on the one port, says so with POST /ready, which answers
// once every client has called, then makes five calls at once and reports
// the sums with POST /result.
var onePortPage = template.Must(template.New("page").Parse(`<!doctype html>
<meta charset="utf-8">
<title>dmicro.js on one port</title>
<script type="module">
import { connect } from "/dmicro.js";
const out = {};
try {
  const c = connect({{.URL}});
  out.first = await c.call("/math/add", [1, 2, 3]);
  await fetch("/ready", { method: "POST" });
  out.then = await Promise.all([1, 2, 3, 4, 5].map((n) => c.call("/math/add", [n, n])));
  c.close();
} catch (e) {
  out.error = String(e);
}
await fetch("/result", { method: "POST", body: JSON.stringify(out) });
</script>
`))

// wantOnePortPage is what onePortPage must report.
const wantOnePortPage = `{"first":6,"then":[2,4,6,8,10]}`

// TestOnePort serves every frame format and WebSocket on one TCP port
// (rpc.Config.Formats and an Upgrader) and calls it from dmicro's
// WebSocket client, raw and json clients over TCP and net/http, all
// connected at the same time.
func TestOnePort(t *testing.T) { testOnePort(t, "") }

// TestOnePortBrowser is TestOnePort with js/dmicro.js in headless
// Chromium among the clients, on a page of another origin that the
// Upgrader allows.
func TestOnePortBrowser(t *testing.T) {
	testOnePort(t, testenv.LookPath(t, "chromium", "apt-get install -y chromium"))
}

// onePortClient is a client of TestOnePort: call sums [n, n] on the port.
type onePortClient struct {
	name string
	call func(n int) (int, error)
}

// testOnePort runs TestOnePort, with the browser at path chromium unless it
// is empty. Every client makes a first call; once all of them have, the
// endpoint must hold a session for each; then they all call again at once.
func testOnePort(t *testing.T, chromium string) {
	leakcheck.Check(t)
	var (
		page    *pageServer
		upCfg   Config
		ready   = make(chan string, 10) // the clients that made their first call
		start   = make(chan struct{})
		goAhead = sync.OnceFunc(func() { close(start) })
	)
	defer goAhead()
	if chromium != "" {
		page = newPageServer(t)
		page.mux.HandleFunc("POST /ready", func(w http.ResponseWriter, r *http.Request) {
			select {
			case ready <- "browser":
			case <-r.Context().Done():
				return
			}
			select {
			case <-start:
			case <-r.Context().Done():
			}
		})
		upCfg.OriginPatterns = []string{page.host()}
	}
	ep, addr := servePort(t, rpc.Config{}, upCfg)

	var clients []onePortClient
	for _, c := range []struct {
		name string
		cfg  rpc.Config
	}{
		{"websocket, raw frames", rpc.Config{Transport: Transport{}}},
		{"websocket, json frames", rpc.Config{Transport: Transport{}, Format: wirejson.Format{}}},
		{"tcp, raw frames", rpc.Config{}},
		{"tcp, json frames", rpc.Config{Format: wirejson.Format{}}},
	} {
		cli := newEndpoint(t, c.cfg)
		sess, err := cli.Dial(rpctest.Context(t), addr)
		if err != nil {
			t.Fatalf("%s: dial: %v", c.name, err)
		}
		clients = append(clients, onePortClient{c.name, func(n int) (int, error) {
			var sum int
			err := sess.Call(rpctest.Context(t), "/math/add", []int{n, n}, &sum)
			return sum, err
		}})
	}
	// One connection, kept alive: one session of the http format.
	hc := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
	t.Cleanup(hc.CloseIdleConnections)
	clients = append(clients, onePortClient{"net/http", func(n int) (int, error) {
		resp, err := hc.Post("http://"+addr+"/math/add", "application/json", strings.NewReader(fmt.Sprintf("[%d,%d]", n, n)))
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		var sum int
		err = json.NewDecoder(resp.Body).Decode(&sum)
		return sum, err
	}})

	var b *browser
	if chromium != "" {
		page.setPage(t, onePortPage, map[string]string{"URL": "ws://" + addr + "/"})
		b = runChromium(t, chromium, page.URL+"/")
	}
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			sum, err := c.call(3)
			if err != nil || sum != 6 {
				t.Errorf("%s: first call: %d, %v", c.name, sum, err)
			}
			ready <- c.name
			<-start
			for n := range 5 {
				if sum, err := c.call(n); err != nil || sum != 2*n {
					t.Errorf("%s: [%d, %d] summed to %d, %v", c.name, n, n, sum, err)
					return
				}
			}
		})
	}
	want := len(clients)
	if b != nil {
		want++
	}
	ctx := rpctest.Context(t)
	for range want {
		select {
		case <-ready:
		case <-ctx.Done():
			goAhead()
			wg.Wait()
			if b != nil {
				b.report(page.results) // fails with chromium's output
			}
			t.Fatal("the clients did not all make their first call")
		}
	}
	if got := ep.CountSessions(); got != want {
		t.Errorf("the endpoint holds %d sessions with %d clients connected", got, want)
	}
	goAhead()
	wg.Wait()
	if b != nil {
		if got := b.report(page.results); got != wantOnePortPage {
			t.Errorf("the page reported\n%s\nwant\n%s", got, wantOnePortPage)
		}
	}
}
