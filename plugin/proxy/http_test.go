package proxy_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/plugin/proxy"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	rpchttp "github.com/dmicro-go/dmicro/rpc/wire/http"
)

// post sends an HTTP POST to url with header pairs (name, value, ...) and
// returns the response with its body read.
func post(t *testing.T, c *http.Client, url, contentType, body string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(rpctest.Context(t), http.MethodPost, url, strings.NewReader(body))
	must(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return resp, strings.TrimSpace(string(b))
}

// httpClient returns a net/http client whose connections close when the
// test ends.
func httpClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// errorBody is the JSON body of an http-format error response.
type errorBody struct {
	Code    rpc.Code `json:"code"`
	Message string   `json:"message"`
}

// TestHTTPFront has a plain net/http client call the proxy over the http
// format, the upstream behind it speaking raw frames over TCP.
func TestHTTPFront(t *testing.T) {
	leakcheck.Check(t)
	b := startBackend(t, "b", "", rpc.Config{})
	down := deadAddr(t)
	_, _, addr := startProxy(t, proxy.Config{Pick: pickByPrefix(b.addr, down, "")}, rpc.Config{Format: rpchttp.Format{}})
	c := httpClient(t)
	base := "http://" + addr

	t.Run("call", func(t *testing.T) {
		resp, body := post(t, c, base+"/math/add", "application/json", "[1,2,3]")
		if resp.StatusCode != http.StatusOK || body != "6" {
			t.Fatalf("%s: %q", resp.Status, body)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("Content-Type %q, want JSON", ct)
		}
	})
	t.Run("metadata", func(t *testing.T) {
		resp, body := post(t, c, base+"/meta", "", "", "Rpc-Meta-Trace", "h1", "Authorization", "Bearer tok")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %q", resp.Status, body)
		}
		var got map[string]string
		must(t, json.Unmarshal([]byte(body), &got))
		if got["trace"] != "h1" || got["authorization"] != "Bearer tok" || got[proxy.HopsKey] != "1" {
			t.Fatalf("upstream got metadata %v", got)
		}
		if v := resp.Header.Get("Rpc-Meta-Served-By"); v != "b" {
			t.Fatalf("reply metadata Served-By %q, want b (headers %v)", v, resp.Header)
		}
	})
	t.Run("xml", func(t *testing.T) {
		resp, body := post(t, c, base+"/xml", "application/xml", "<point><X>3</X><Y>4</Y></point>")
		if resp.StatusCode != http.StatusOK || body != "<point><X>6</X><Y>8</Y></point>" {
			t.Fatalf("%s: %q", resp.Status, body)
		}
	})
	t.Run("status", func(t *testing.T) {
		resp, body := post(t, c, base+"/fail", "application/json", "{}")
		var eb errorBody
		must(t, json.Unmarshal([]byte(body), &eb))
		if resp.StatusCode != http.StatusBadRequest || eb.Code != rpc.CodeUser+7 || eb.Message != "x" {
			t.Fatalf("%s: %q", resp.Status, body)
		}
		resp, body = post(t, c, base+"/nope", "application/json", "{}")
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("%s: %q", resp.Status, body)
		}
	})
	t.Run("upstream down", func(t *testing.T) {
		resp, body := post(t, c, base+"/down/x", "application/json", "{}", "Rpc-Timeout", "5s")
		var eb errorBody
		must(t, json.Unmarshal([]byte(body), &eb))
		if resp.StatusCode != http.StatusBadGateway || eb.Code != rpc.CodeDialFailed || !strings.Contains(eb.Message, down) {
			t.Fatalf("%s: %q", resp.Status, body)
		}
	})
	t.Run("push", func(t *testing.T) {
		resp, body := post(t, c, base+"/note/http", "text/plain", "pushed", "Rpc-Type", "push", "Rpc-Meta-K", "v")
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("%s: %q", resp.Status, body)
		}
		p := recv(t, b.pushes)
		if p.method != "/note/http" || p.body != "pushed" || p.codec != 's' || p.meta["k"] != "v" {
			t.Fatalf("upstream got push %+v", p)
		}
	})
}

// TestHTTPCallsOnly forwards calls only: a push no local handler takes is
// refused, which the http format answers 404.
func TestHTTPCallsOnly(t *testing.T) {
	leakcheck.Check(t)
	b := startBackend(t, "b", "", rpc.Config{})
	_, _, addr := startProxy(t, proxy.Config{Addr: b.addr, Calls: true}, rpc.Config{Format: rpchttp.Format{}})
	c := httpClient(t)
	resp, body := post(t, c, "http://"+addr+"/math/add", "application/json", "[1,2,3]")
	if resp.StatusCode != http.StatusOK || body != "6" {
		t.Fatalf("call: %s: %q", resp.Status, body)
	}
	resp, body = post(t, c, "http://"+addr+"/note/x", "text/plain", "p", "Rpc-Type", "push")
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("push: %s: %q", resp.Status, body)
	}
}
