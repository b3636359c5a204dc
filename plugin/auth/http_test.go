package auth_test

import (
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/plugin/auth"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	rpchttp "github.com/dmicro-go/dmicro/rpc/wire/http"
)

// post sends a POST to path over client with the Authorization header cred
// (none when empty) and returns the status, the body and whether the
// request went on a connection used before.
func post(t *testing.T, client *http.Client, addr, path, cred string) (status int, body string, reused bool) {
	t.Helper()
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }}
	ctx := httptrace.WithClientTrace(rpctest.Context(t), trace)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cred != "" {
		req.Header.Set("Authorization", cred)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, strings.TrimSpace(string(b)), reused
}

// TestHTTPClient: a plain net/http client authenticates with the
// Authorization header of each request: a missing or wrong one is a 401,
// and on one keep-alive connection each request gets the identity of its
// own credential.
func TestHTTPClient(t *testing.T) {
	leakcheck.Check(t)
	f := startServer(t, serverOpts{format: rpchttp.Format{}, auth: auth.ServerConfig{Public: []string{"/health"}}})
	tr := &http.Transport{MaxConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	for _, tc := range []struct {
		name, path, cred string
		status           int
		body             string
	}{
		{"good", "/whoami", "Bearer good", http.StatusOK, `"alice"`},
		{"missing", "/whoami", "", http.StatusUnauthorized, ""},
		{"wrong", "/whoami", "Bearer n0pe", http.StatusUnauthorized, ""},
		{"public", "/health", "", http.StatusOK, `"ok for nobody"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := post(t, client, f.addr, tc.path, tc.cred)
			if status != tc.status {
				t.Fatalf("status %d (%s), want %d", status, body, tc.status)
			}
			if tc.body != "" && body != tc.body {
				t.Fatalf("body %s, want %s", body, tc.body)
			}
			if strings.Contains(body, "n0pe") {
				t.Fatalf("the refusal %q echoes the credential", body)
			}
		})
	}

	// Users behind a proxy share its connection: each request is its own.
	tr.CloseIdleConnections()
	for i, tc := range []struct{ cred, want string }{
		{"Bearer good", `"alice"`},
		{"Bearer bob", `"bob"`},
		{"Bearer good", `"alice"`},
		{"", ""}, // a request without a credential does not inherit one
		{"Bearer bob", `"bob"`},
	} {
		status, body, reused := post(t, client, f.addr, "/whoami", tc.cred)
		if i > 0 && !reused {
			t.Fatalf("request %d went on a new connection", i)
		}
		switch {
		case tc.want == "" && status != http.StatusUnauthorized:
			t.Fatalf("request %d without a credential: %d %s, want 401", i, status, body)
		case tc.want != "" && (status != http.StatusOK || body != tc.want):
			t.Fatalf("request %d with %q: %d %s, want 200 %s", i, tc.cred, status, body, tc.want)
		}
	}
}

// TestHTTPRetryAfter401: as RFC 9110 has it, a client refused with 401
// sends the request again with a credential on the same connection.
func TestHTTPRetryAfter401(t *testing.T) {
	leakcheck.Check(t)
	f := startServer(t, serverOpts{format: rpchttp.Format{}})
	tr := &http.Transport{MaxConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	if status, body, _ := post(t, client, f.addr, "/whoami", ""); status != http.StatusUnauthorized {
		t.Fatalf("status %d (%s), want 401", status, body)
	}
	if status, body, reused := post(t, client, f.addr, "/whoami", "Bearer good"); status != http.StatusOK || body != `"alice"` || !reused {
		t.Fatalf("retry: %d %s, on the same connection: %t", status, body, reused)
	}
}
