package websocket

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/coder/websocket"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/internal/testenv"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	wirejson "github.com/dmicro-go/dmicro/rpc/wire/json"
)

// browserPage is the page headless Chromium loads. Its script uses
// js/dmicro.js: it calls /math/add on an rpc endpoint served over a
// Transport listener of another origin that allows the page's origin; it
// checks the framing of the client against /framing (replies split across
// messages and several in one message); it tries a listener that allows no
// other origin. It POSTs what it got to /result.
var browserPage = template.Must(template.New("page").Parse(`<!doctype html>
<meta charset="utf-8">
<title>dmicro.js</title>
<script type="module">
import { connect } from "/dmicro.js";
const out = {};
try {
  const c = connect({{.RPC}});
  out.sum = await c.call("/math/add", [1, 2, 3]);
  try { await c.call("/math/missing", 1); } catch (e) { out.missing = e.code; }
  c.close();

  const f = connect({{.Framing}});
  const [a, b, cc] = await Promise.allSettled([
    f.call("/a", 1),
    f.call("/b", 2),
    f.call("/c", 3, { timeout: 60000, meta: { k: "v" } }),
  ]);
  out.a = a.value;
  out.b = b.reason ? [b.reason.code, b.reason.message] : b.value;
  out.c = cc.value;
  f.close();

  const r = connect({{.Refused}});
  try { await r.call("/math/add", [1]); out.refused = "called"; } catch (e) { out.refused = e.code; }
} catch (e) {
  out.error = String(e);
}
await fetch("/result", { method: "POST", body: JSON.stringify(out) });
</script>
`))

// wantBrowser is what the page must report.
const wantBrowser = `{"sum":6,"missing":5,"a":"a","b":[5,"no b"],"c":{"x":[1,2]},"refused":8}`

// TestBrowser runs js/dmicro.js in headless Chromium against an rpc
// endpoint with the json format, served over this transport.
func TestBrowser(t *testing.T) {
	chromium := testenv.LookPath(t, "chromium", "apt-get install -y chromium")
	leakcheck.Check(t)

	// The page's server, on its own port: another origin than the
	// endpoint's. It also serves the framing check.
	fr := &framingServer{t: t}
	t.Cleanup(fr.wait) // after the page server's Close: the hijacked connection's handler
	page := newPageServer(t)
	page.mux.Handle("GET /framing", fr)

	// The rpc endpoint, json format, on a listener that allows the page's
	// origin and on one that allows no other origin.
	ep, err := rpc.NewEndpoint(rpc.Config{Format: wirejson.Format{}})
	if err != nil {
		t.Fatal(err)
	}
	err = ep.Router().HandleCall("/math/add", rpc.CallFunc(func(_ *rpc.CallCtx, arg *[]int) (int, error) {
		sum := 0
		for _, n := range *arg {
			sum += n
		}
		return sum, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	allowed := serveEndpoint(t, ep, Transport{Config: Config{OriginPatterns: []string{page.host()}}})
	refused := serveEndpoint(t, ep, Transport{})

	page.setPage(t, browserPage, map[string]string{
		"RPC":     "ws://" + allowed + "/",
		"Refused": "ws://" + refused + "/",
		"Framing": "ws://" + page.host() + "/framing",
	})
	if got := runChromium(t, chromium, page.URL+"/").report(page.results); got != wantBrowser {
		t.Errorf("the page reported\n%s\nwant\n%s", got, wantBrowser)
	}
}

// pageServer serves a test page and js/dmicro.js from a port of its own,
// another origin than the endpoint's, and takes what the page reports with
// POST /result. Tests add handlers to mux.
type pageServer struct {
	*httptest.Server
	mux     *http.ServeMux
	results chan string
	// html is the page, set once the endpoint's address is known. The
	// pointer tells the race detector what the start of chromium tells us.
	html atomic.Pointer[[]byte]
}

// newPageServer starts a pageServer; it is closed when the test ends.
func newPageServer(t *testing.T) *pageServer {
	t.Helper()
	js, err := os.ReadFile("js/dmicro.js")
	if err != nil {
		t.Fatal(err)
	}
	p := &pageServer{mux: http.NewServeMux(), results: make(chan string, 1)}
	p.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(*p.html.Load())
	})
	p.mux.HandleFunc("GET /dmicro.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(js)
	})
	p.mux.HandleFunc("POST /result", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case p.results <- string(b):
		default:
		}
	})
	p.Server = httptest.NewServer(p.mux)
	t.Cleanup(p.Close)
	return p
}

// host returns the page server's "host:port".
func (p *pageServer) host() string { return p.Listener.Addr().String() }

// setPage makes the page from tmpl and data.
func (p *pageServer) setPage(t *testing.T, tmpl *template.Template, data any) {
	t.Helper()
	var html bytes.Buffer
	if err := tmpl.Execute(&html, data); err != nil {
		t.Fatal(err)
	}
	p.html.Store(new(html.Bytes()))
}

// browser is a headless Chromium that runs a page.
type browser struct {
	t      *testing.T
	output bytes.Buffer // read only once stopped
	stop   func()       // kills it and its children, and waits
}

// runChromium starts headless Chromium, the program at path chromium, on
// url. It is killed, with every process it started, when the test ends.
func runChromium(t *testing.T, chromium, url string) *browser {
	t.Helper()
	b := &browser{t: t}
	cmd := exec.CommandContext(rpctest.Context(t), chromium, chromiumArgs(t.TempDir(), url)...)
	cmd.Stdout, cmd.Stderr = &b.output, &b.output
	cmd.WaitDelay = rpctest.Timeout // for a process that escaped the group and holds the output
	inOwnGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b.stop = sync.OnceFunc(func() {
		killGroup(cmd)
		cmd.Wait()
	})
	t.Cleanup(func() {
		b.stop()
		rpctest.WaitFor(t, "chromium's processes to end", func() bool { return groupGone(cmd) })
	})
	return b
}

// report waits for the page to report on results, and returns what it
// reported. It fails the test, with chromium's output, when the page
// reports nothing before rpctest.Timeout.
func (b *browser) report(results <-chan string) string {
	b.t.Helper()
	select {
	case got := <-results:
		return got
	case <-rpctest.Context(b.t).Done():
		b.stop()
		b.t.Fatalf("the page reported nothing; chromium's output:\n%s", tail(b.output.String()))
		return ""
	}
}

// tail returns the last lines of chromium's output, without its complaints
// about the missing D-Bus.
func tail(out string) string {
	var lines []string
	for line := range strings.Lines(out) {
		if !strings.Contains(line, "dbus") {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines[max(0, len(lines)-40):], "")
}

// chromiumArgs is the command line of headless Chromium that loads url.
// The background-networking flags keep it from calling home: the machines
// have no internet, and the refused connections would flood its output.
func chromiumArgs(userDataDir, url string) []string {
	return []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync",
		"--user-data-dir=" + userDataDir,
		url,
	}
}

// serveEndpoint serves ep on a listener of tr on loopback until the test
// ends, and returns the listener's address.
func serveEndpoint(t *testing.T, ep *rpc.Endpoint, tr Transport) string {
	t.Helper()
	l, err := tr.Listen(rpctest.Context(t), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		ep.Serve(l)
	}()
	t.Cleanup(func() {
		ep.Close()
		<-served
	})
	return l.Addr().String()
}

// framingServer checks the frames the client sends and answers them with
// frames cut across WebSocket messages: it reads the three calls of the
// page, each a whole frame in one binary message, then sends the reply to
// /b (an error), the reply to /a cut after 2 bytes, and the reply to /c cut
// after 7, as
//
//	[b | a[:2]]  [a[2:] | c[:7]]  [c[7:]]
type framingServer struct {
	t  *testing.T
	wg sync.WaitGroup
}

func (f *framingServer) wait() { f.wg.Wait() }

func (f *framingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.wg.Add(1)
	defer f.wg.Done()
	t := f.t
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{Subprotocol}})
	if err != nil {
		t.Errorf("framing: accept: %v", err)
		return
	}
	defer ws.CloseNow()
	ctx := rpctest.Context(t)
	if ws.Subprotocol() != Subprotocol {
		t.Errorf("framing: subprotocol %q, want %q", ws.Subprotocol(), Subprotocol)
	}
	seqs := map[string]uint32{}
	for range 3 {
		typ, msg, err := ws.Read(ctx)
		if err != nil {
			t.Errorf("framing: read: %v", err)
			return
		}
		if typ != websocket.MessageBinary {
			t.Errorf("framing: a %v message, want binary", typ)
		}
		if len(msg) < 4 || int(binary.BigEndian.Uint32(msg)) != len(msg)-4 {
			t.Errorf("framing: message %q is not one whole frame", msg)
			return
		}
		var call struct {
			Seq    uint32
			Method string
		}
		if err := json.Unmarshal(msg[4:], &call); err != nil {
			t.Errorf("framing: %q: %v", msg[4:], err)
			return
		}
		want := map[string]string{
			"/a": `{"v":1,"type":1,"seq":%d,"method":"/a","codec":106,"body":1}`,
			"/b": `{"v":1,"type":1,"seq":%d,"method":"/b","codec":106,"body":2}`,
			"/c": `{"v":1,"type":1,"seq":%d,"method":"/c","timeout_us":60000000,"meta":[["k","v"]],"codec":106,"body":3}`,
		}[call.Method]
		if want = fmt.Sprintf(want, call.Seq); string(msg[4:]) != want {
			t.Errorf("framing: the client sent\n%s\nwant\n%s", msg[4:], want)
		}
		seqs[call.Method] = call.Seq
	}
	reply := func(format string, seq uint32) []byte {
		obj := fmt.Sprintf(format, seq)
		return append(binary.BigEndian.AppendUint32(nil, uint32(len(obj))), obj...)
	}
	a := reply(`{"v":1,"type":2,"seq":%d,"codec":106,"body":"a"}`, seqs["/a"])
	b := reply(`{"v":1,"type":2,"seq":%d,"code":5,"error":"no b"}`, seqs["/b"])
	c := reply(`{"v":1,"type":2,"seq":%d,"codec":106,"body":{"x":[1,2]}}`, seqs["/c"])
	for _, msg := range [][]byte{
		join(b, a[:2]),
		join(a[2:], c[:7]),
		c[7:],
	} {
		if err := ws.Write(ctx, websocket.MessageBinary, msg); err != nil {
			t.Errorf("framing: write: %v", err)
			return
		}
	}
	// Wait for the page to close the connection, or for the browser to
	// be killed.
	ws.Read(ctx)
}

func join(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
