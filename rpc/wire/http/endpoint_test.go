package http

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	nethttp "net/http"
	"net/http/httptrace"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/internal/testenv"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/filter"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
)

// testLimit is the size limit of the test server, small enough for curl to
// go over it easily.
const testLimit = 4096

// testServer is an rpc endpoint serving the http format on loopback TCP.
type testServer struct {
	ep      *rpc.Endpoint
	addr    string
	url     string
	notes   chan string   // what the /note push handler received
	release chan struct{} // /pipe/go releases /pipe/wait
}

// startServer serves the test handlers until the test ends. formats, when
// given, are served on the one port instead of the http format alone.
func startServer(t *testing.T, formats ...wire.Format) *testServer {
	t.Helper()
	ft := Format{GetMethods: map[string]bool{"/q": true}}
	cfg := rpc.Config{ListenAddr: "127.0.0.1:0", Format: ft, MaxMessageSize: testLimit, Filters: []wire.Filter{filter.MD5{}}}
	if len(formats) > 0 {
		cfg.Formats = append(formats, ft)
	}
	ep, err := rpc.NewEndpoint(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{ep: ep, notes: make(chan string, 16), release: make(chan struct{}, 1)}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(ep.Router().HandleCall("/math/add", rpc.CallFunc(func(ctx *rpc.CallCtx, arg *[]int) (int, error) {
		sum := 0
		for _, n := range *arg {
			sum += n
		}
		if a := ctx.PeekMeta("author"); a != "" {
			ctx.SetReplyMeta("author", a)
		}
		return sum, nil
	})))
	must(ep.Router().HandleCall("/pipe/wait", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (string, error) {
		select {
		case <-s.release:
			return "waited", nil
		case <-ctx.Context().Done():
			return "", ctx.Context().Err()
		}
	})))
	must(ep.Router().HandleCall("/pipe/go", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) {
		select {
		case s.release <- struct{}{}:
		default:
		}
		return "went", nil
	})))
	must(ep.Router().HandleCall("/deadline", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (int64, error) {
		dl, ok := ctx.Context().Deadline()
		if !ok {
			return 0, nil
		}
		return int64(time.Until(dl)), nil
	})))
	must(ep.Router().HandleCall("/fail", rpc.CallFunc(func(_ *rpc.CallCtx, code *int) (int, error) {
		return 0, rpc.NewStatus(rpc.Code(*code), "asked to fail")
	})))
	must(ep.Router().HandleCall("/q", rpc.CallFunc(func(_ *rpc.CallCtx, arg *struct {
		A int `form:"a"`
		B int `form:"b"`
	}) (int, error) {
		return arg.A + arg.B, nil
	})))
	must(ep.Router().HandlePush("/note", rpc.PushFunc(func(_ *rpc.PushCtx, s2 *string) error {
		s.notes <- *s2
		return nil
	})))
	l, err := ep.Listen(context.Background())
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
	s.addr = l.Addr().String()
	s.url = "http://" + s.addr
	return s
}

func TestNetHTTPClient(t *testing.T) {
	leakcheck.Check(t)
	s := startServer(t)
	tr := &nethttp.Transport{ExpectContinueTimeout: 10 * time.Second}
	defer tr.CloseIdleConnections()
	client := &nethttp.Client{Transport: tr}

	do := func(req *nethttp.Request) (resp *nethttp.Response, body string, reused bool) {
		t.Helper()
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }}
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(b), reused
	}
	newReq := func(method, path, ctype string, body io.Reader) *nethttp.Request {
		req, err := nethttp.NewRequest(method, s.url+path, body)
		if err != nil {
			t.Fatal(err)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		return req
	}

	// Keep-alive: every request after the first reuses the connection.
	for i := range 5 {
		req := newReq("POST", "/math/add", "application/json", strings.NewReader(fmt.Sprintf("[1,2,%d]", i)))
		req.Header.Set("Rpc-Meta-Author", "liu")
		resp, body, reused := do(req)
		if resp.StatusCode != 200 || body != fmt.Sprint(3+i) || resp.Header.Get("Rpc-Meta-Author") != "liu" {
			t.Fatalf("call %d: %d %q %v", i, resp.StatusCode, body, resp.Header)
		}
		if reused != (i > 0) {
			t.Fatalf("call %d: connection reused %v", i, reused)
		}
	}

	t.Run("chunked request body", func(t *testing.T) {
		body := io.MultiReader(strings.NewReader("[40,"), strings.NewReader("2]")) // no length: chunked
		resp, got, reused := do(newReq("POST", "/math/add", "application/json; charset=utf-8", body))
		if resp.StatusCode != 200 || got != "42" || !reused {
			t.Fatalf("%d %q reused %v", resp.StatusCode, got, reused)
		}
	})
	t.Run("100-continue", func(t *testing.T) {
		req := newReq("POST", "/math/add", "application/json", strings.NewReader("[5]"))
		req.Header.Set("Expect", "100-continue")
		start := time.Now()
		resp, got, _ := do(req)
		// Without the 100 the transport would wait ExpectContinueTimeout.
		if resp.StatusCode != 200 || got != "5" || time.Since(start) > 5*time.Second {
			t.Fatalf("%d %q after %v", resp.StatusCode, got, time.Since(start))
		}
	})
	t.Run("deadline", func(t *testing.T) {
		req := newReq("POST", "/deadline", "application/json", strings.NewReader("{}"))
		req.Header.Set("Rpc-Timeout", "1.5s")
		resp, got, _ := do(req)
		var left time.Duration
		fmt.Sscan(got, &left)
		if resp.StatusCode != 200 || left <= 0 || left > 1500*time.Millisecond {
			t.Fatalf("%d: handler saw %v left", resp.StatusCode, left)
		}
	})
	t.Run("errors", func(t *testing.T) {
		resp, got, reused := do(newReq("POST", "/no/such", "application/json", strings.NewReader("1")))
		if code, _ := errorJSON(t, got); resp.StatusCode != 404 || code != int(rpc.CodeNotFound) || !reused {
			t.Fatalf("unknown method: %d %q", resp.StatusCode, got)
		}
		resp, got, _ = do(newReq("POST", "/fail", "application/json", strings.NewReader("1042")))
		if code, msg := errorJSON(t, got); resp.StatusCode != 400 || code != 1042 || msg != "asked to fail" || resp.Header.Get("Rpc-Code") != "1042" {
			t.Fatalf("user code: %d %q", resp.StatusCode, got)
		}
		resp, got, _ = do(newReq("POST", "/math/add", "application/json", strings.NewReader(`"not a list"`)))
		if code, _ := errorJSON(t, got); resp.StatusCode != 400 || code != int(rpc.CodeCodec) {
			t.Fatalf("undecodable body: %d %q", resp.StatusCode, got)
		}
		resp, got, reused = do(newReq("PUT", "/math/add", "application/json", strings.NewReader("[1]")))
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" || !reused {
			t.Fatalf("PUT: %d %q %v", resp.StatusCode, got, resp.Header)
		}
	})
	t.Run("GET with Accept", func(t *testing.T) {
		req := newReq("GET", "/q?a=40&b=2", "", nil)
		req.Header.Set("Accept", "text/html, application/json")
		resp, got, _ := do(req)
		if resp.StatusCode != 200 || got != "42" || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%d %q %v", resp.StatusCode, got, resp.Header)
		}
	})
	t.Run("push", func(t *testing.T) {
		req := newReq("POST", "/note", "application/json", strings.NewReader(`"hello"`))
		req.Header.Set("Rpc-Type", "push")
		resp, got, _ := do(req)
		if resp.StatusCode != 202 || got != "" {
			t.Fatalf("%d %q", resp.StatusCode, got)
		}
		if note := <-s.notes; note != "hello" {
			t.Fatalf("push delivered %q", note)
		}
	})
}

// curl runs curl with args and the -i flag and returns the final response,
// skipping interim ones. It skips the test when curl is missing, unless
// CI=true.
func curl(t *testing.T, args ...string) response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, curlPath(t), append([]string{"-sS", "-i", "--max-time", "20"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("curl %q: %v: %s", args, err, stderr.Bytes())
	}
	return curlResponse(t, args, out)
}

// curlPath returns curl's path, or skips the test (fails it under
// CI=true) when curl is missing.
func curlPath(t *testing.T) string {
	t.Helper()
	return testenv.LookPath(t, "curl", "apt-get install -y curl")
}

// curlWatching runs curl verbosely with args, sends each interim response
// it reports on interim as "<status> <Rpc-Type>", and returns the final
// response. It may run outside the test's goroutine: it reports failures
// with t.Error and ok false.
func curlWatching(t *testing.T, interim chan<- string, args ...string) (r response, ok bool) {
	path, err := exec.LookPath("curl")
	if err != nil {
		t.Error("curl is not on PATH")
		return response{}, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"-sS", "-i", "-v", "--max-time", "20"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Error(err)
		return response{}, false
	}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Error(err)
		return response{}, false
	}
	// curl -v writes each header it receives as "< Name: value".
	sc := bufio.NewScanner(stderr)
	status := ""
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(line, "< HTTP/1.1 1"):
			status = strings.Fields(line)[2]
		case status != "" && strings.HasPrefix(strings.ToLower(line), "< rpc-type:"):
			interim <- status + " " + strings.TrimSpace(line[len("< rpc-type:"):])
			status = ""
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("curl %q: %v", args, err)
		return response{}, false
	}
	r, err = parseCurl(args, stdout.Bytes())
	if err != nil {
		t.Error(err)
		return response{}, false
	}
	return r, true
}

// curlResponse returns the final response in curl -i's output out.
func curlResponse(t *testing.T, args []string, out []byte) response {
	t.Helper()
	r, err := parseCurl(args, out)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// parseCurl returns the final response in curl -i's output out, after any
// interim ones.
func parseCurl(args []string, out []byte) (response, error) {
	var req *nethttp.Request // the request whose response is parsed: a HEAD's has no body
	if slices.Contains(args, "-I") {
		req, _ = nethttp.NewRequest("HEAD", "http://dmicro/", nil)
	}
	br := bufio.NewReader(bytes.NewReader(out))
	for {
		resp, err := nethttp.ReadResponse(br, req)
		if err != nil {
			return response{}, fmt.Errorf("curl output %q: %w", out, err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return response{}, err
		}
		if resp.StatusCode >= 200 {
			return response{resp, string(body)}, nil
		}
	}
}

func TestCurl(t *testing.T) {
	leakcheck.Check(t)
	s := startServer(t)
	json := []string{"-X", "POST", "-H", "Content-Type: application/json"}
	t.Run("call", func(t *testing.T) {
		r := curl(t, append(json, "--data", "[1,2,3]", s.url+"/math/add")...)
		if r.StatusCode != 200 || r.body != "6" || r.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%d %q %v", r.StatusCode, r.body, r.Header)
		}
	})
	t.Run("unknown method", func(t *testing.T) {
		r := curl(t, append(json, "--data", "[1]", s.url+"/no/such")...)
		code, msg := errorJSON(t, r.body)
		if r.StatusCode != 404 || code != int(rpc.CodeNotFound) || !strings.Contains(msg, "/no/such") || r.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%d %q", r.StatusCode, r.body)
		}
	})
	t.Run("unsupported media type", func(t *testing.T) {
		r := curl(t, "-X", "POST", "-H", "Content-Type: image/png", "--data", "x", s.url+"/math/add")
		if code, _ := errorJSON(t, r.body); r.StatusCode != 415 || code != int(rpc.CodeCodec) {
			t.Fatalf("%d %q", r.StatusCode, r.body)
		}
	})
	t.Run("body over the limit", func(t *testing.T) {
		big := "[" + strings.Repeat("1,", testLimit) + "1]"
		r := curl(t, append(json, "--data", big, s.url+"/math/add")...)
		if code, _ := errorJSON(t, r.body); r.StatusCode != 413 || code != int(rpc.CodeTooLarge) || !r.Close {
			t.Fatalf("%d %q close %v", r.StatusCode, r.body, r.Close)
		}
	})
	t.Run("metadata", func(t *testing.T) {
		r := curl(t, append(json, "-H", "Rpc-Meta-Author: liu", "--data", "[2]", s.url+"/math/add")...)
		if r.StatusCode != 200 || r.body != "2" || r.Header.Get("Rpc-Meta-Author") != "liu" {
			t.Fatalf("%d %q %v", r.StatusCode, r.body, r.Header)
		}
	})
	t.Run("push", func(t *testing.T) {
		r := curl(t, append(json, "-H", "Rpc-Type: push", "--data", `"from curl"`, s.url+"/note")...)
		if r.StatusCode != 202 || r.body != "" {
			t.Fatalf("%d %q", r.StatusCode, r.body)
		}
		if note := <-s.notes; note != "from curl" {
			t.Fatalf("push delivered %q", note)
		}
	})
	t.Run("GET", func(t *testing.T) {
		r := curl(t, "-H", "Accept: application/json", s.url+"/q?a=1&b=2")
		if r.StatusCode != 200 || r.body != "3" {
			t.Fatalf("%d %q", r.StatusCode, r.body)
		}
		r = curl(t, s.url+"/math/add?a=1")
		if r.StatusCode != 405 || r.Header.Get("Allow") != "POST" {
			t.Fatalf("%d %v", r.StatusCode, r.Header)
		}
	})
	t.Run("cancel of an unknown request", func(t *testing.T) {
		r := curl(t, "-X", "POST", "-H", "Rpc-Type: cancel", "-H", "Rpc-Cancel: 5", s.url+"/.dmicro/cancel")
		if r.StatusCode != 204 || r.body != "" || r.Close {
			t.Fatalf("%d %q close %v", r.StatusCode, r.body, r.Close)
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		r := curl(t, "-I", s.url+"/math/add")
		if r.StatusCode != 405 || r.body != "" {
			t.Fatalf("%d %q", r.StatusCode, r.body)
		}
	})
	t.Run("keep-alive", func(t *testing.T) {
		// Three calls in one curl run: num_connects is 1 for the first and
		// 0 for those that reused its connection.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		args := []string{"-sS", "--max-time", "20", "-H", "Content-Type: application/json", "--data", "[20,22]",
			"-w", " %{http_code} %{num_connects}\n", s.url + "/math/add", s.url + "/math/add", s.url + "/math/add"}
		out, err := exec.CommandContext(ctx, curlPath(t), args...).CombinedOutput()
		if want := "42 200 1\n42 200 0\n42 200 0\n"; err != nil || string(out) != want {
			t.Fatalf("curl: %q, %v; want %q", out, err, want)
		}
	})
}

// TestPipeliningOverTCP sends three requests in one write: the first
// waits until the second has been handled, yet the responses come in
// request order. A last request asks to close: the server answers it and
// closes.
func TestPipeliningOverTCP(t *testing.T) {
	leakcheck.Check(t)
	s := startServer(t)
	nc, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(nc)
	exchange := func(reqs string, want ...string) {
		t.Helper()
		if _, err := io.WriteString(nc, reqs); err != nil {
			t.Fatal(err)
		}
		for i, w := range want {
			resp, err := nethttp.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("response %d: %v", i, err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || string(body) != w {
				t.Fatalf("response %d: %d %q, want %q", i, resp.StatusCode, body, w)
			}
		}
	}
	exchange(post("/pipe/wait", "{}")+post("/pipe/go", "{}")+post("/math/add", "[1,1]"), `"waited"`, `"went"`, "2")
	// The close goes on a request of its own: while handlers of earlier
	// requests are still finishing, the rpc layer may close the connection
	// before the last of their replies is queued, because it counts a
	// handler as done before it sends the reply.
	exchange(post("/math/add", "[2,2]", "Connection: close"), "4")
	if n, err := br.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("after the last response: %d bytes, %v; want io.EOF", n, err)
	}
}

// TestDmicroOverHTTP runs a dmicro client against the server over the
// http format: calls with metadata, deadlines, filters and errors, a
// push, and calls from the server to the client on the same connection.
func TestDmicroOverHTTP(t *testing.T) {
	leakcheck.Check(t)
	s := startServer(t)
	cli, err := rpc.NewEndpoint(rpc.Config{Format: Format{}, Filters: []wire.Filter{filter.MD5{}}})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if err := cli.Router().HandleCall("/client/hello", rpc.CallFunc(func(_ *rpc.CallCtx, who *string) (string, error) {
		return "hello " + *who, nil
	})); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := cli.Dial(ctx, s.addr)
	if err != nil {
		t.Fatal(err)
	}

	var sum int
	var md rpc.Metadata
	if err := sess.Call(ctx, "/math/add", []int{1, 2, 3}, &sum, rpc.WithMeta("author", "liu"), rpc.WithReplyMeta(&md), rpc.WithFilters("md5")); err != nil {
		t.Fatal(err)
	}
	if sum != 6 || md.Get("author") != "liu" {
		t.Fatalf("sum %d, reply metadata %v", sum, md.Map())
	}
	var left int64
	if err := sess.Call(ctx, "/deadline", struct{}{}, &left); err != nil || left <= 0 || time.Duration(left) > 20*time.Second {
		t.Fatalf("deadline: %v left, %v", time.Duration(left), err)
	}
	err = sess.Call(ctx, "/fail", 1042, nil)
	var st *rpc.Status
	if !errors.As(err, &st) || st.Code() != 1042 || st.Message() != "asked to fail" {
		t.Fatalf("user status: %v", err)
	}
	if err := sess.Call(ctx, "/no/such", nil, nil); rpc.CodeOf(err) != rpc.CodeNotFound {
		t.Fatalf("unknown method: %v", err)
	}
	if err := sess.Push(ctx, "/note", "pushed"); err != nil {
		t.Fatal(err)
	}
	if note := <-s.notes; note != "pushed" {
		t.Fatalf("push delivered %q", note)
	}

	// Many calls in flight at once, answered out of order by the server.
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var got int
			if err := sess.Call(ctx, "/math/add", []int{i, 1}, &got); err != nil || got != i+1 {
				errs <- fmt.Errorf("call %d: %d, %v", i, got, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// The server calls the client on the same connection.
	var ss *rpc.Session
	s.ep.RangeSessions(func(x *rpc.Session) bool { ss = x; return false })
	if ss == nil {
		t.Fatal("the server has no session")
	}
	var hello string
	if err := ss.Call(ctx, "/client/hello", "server", &hello); err != nil || hello != "hello server" {
		t.Fatalf("server to client: %q, %v", hello, err)
	}
	if err := sess.Call(ctx, "/math/add", []int{7}, &sum); err != nil || sum != 7 {
		t.Fatalf("client call after the server's: %d, %v", sum, err)
	}
}

// TestOnePortManyFormats serves raw and http on one port: a raw dmicro
// client and curl both get answers.
func TestOnePortManyFormats(t *testing.T) {
	leakcheck.Check(t)
	s := startServer(t, raw.Format{})
	cli, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := cli.Dial(ctx, s.addr)
	if err != nil {
		t.Fatal(err)
	}
	var sum int
	if err := sess.Call(ctx, "/math/add", []int{2, 2}, &sum); err != nil || sum != 4 {
		t.Fatalf("raw call: %d, %v", sum, err)
	}
	r := curl(t, "-X", "POST", "-H", "Content-Type: application/json", "--data", "[3,3]", s.url+"/math/add")
	if r.StatusCode != 200 || r.body != "6" {
		t.Fatalf("curl: %d %q", r.StatusCode, r.body)
	}
}
