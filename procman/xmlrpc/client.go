package xmlrpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// DefaultMaxResponseBytes is the largest response body a [Client] reads
// when its options set no limit: 64 MiB. supervisord's largest answers are
// log reads, which supervisorctl asks for a few kilobytes at a time.
const DefaultMaxResponseBytes = 64 << 20

// ClientOptions configures a [Client]. The zero value, like a nil
// *ClientOptions, means no credentials and the default limit.
type ClientOptions struct {
	// Username and Password are sent as HTTP basic credentials when
	// Username is set, as supervisorctl sends its -u and -p.
	Username string
	Password string

	// MaxResponseBytes is the largest response body the client reads,
	// counted after decompression. Zero means DefaultMaxResponseBytes.
	MaxResponseBytes int64
}

// Client calls the methods of an XML-RPC server over HTTP. It keeps
// connections open between calls. A Client is safe for concurrent use;
// Close it to release its idle connections.
type Client struct {
	endpoint string // the URL requests go to
	base     string // endpoint's scheme and host, for Get
	tr       *http.Transport
	hc       *http.Client
	opts     ClientOptions
}

// NewClient returns a client of the server at serverURL, in one of the
// forms of supervisorctl's serverurl:
//
//   - "http://host:port" or "https://host:port", with an optional path: the
//     client posts calls to the path, or to /RPC2 when there is none, as
//     Python's ServerProxy does;
//   - "unix:///path/to/socket" (or "unix://relative/socket"): the client
//     connects to the unix socket and posts calls to /RPC2.
//
// opts may be nil. NewClient only checks the URL: it does not connect.
func NewClient(serverURL string, opts *ClientOptions) (*Client, error) {
	c := &Client{}
	if opts != nil {
		c.opts = *opts
	}
	if c.opts.MaxResponseBytes <= 0 {
		c.opts.MaxResponseBytes = DefaultMaxResponseBytes
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	if socket, ok := strings.CutPrefix(serverURL, "unix://"); ok {
		if socket == "" {
			return nil, fmt.Errorf("xmlrpc: %q names no socket", serverURL)
		}
		var d net.Dialer
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", socket)
		}
		// supervisorctl's transport names the host "localhost" too.
		c.base = "http://localhost"
		c.endpoint = c.base + "/RPC2"
	} else {
		u, err := url.Parse(serverURL)
		if err != nil {
			return nil, fmt.Errorf("xmlrpc: bad server URL: %w", err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return nil, fmt.Errorf("xmlrpc: server URL %q is not http://host:port or unix:///path", serverURL)
		}
		if u.User != nil {
			return nil, errors.New("xmlrpc: put credentials in ClientOptions, not in the server URL")
		}
		tr.Proxy = http.ProxyFromEnvironment
		if u.Path == "" || u.Path == "/" {
			u.Path = "/RPC2"
		}
		c.base = u.Scheme + "://" + u.Host
		c.endpoint = u.String()
	}
	c.tr = tr
	c.hc = &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return c, nil
}

// Close closes the client's idle connections. A call after Close opens a
// new connection. It returns nil.
func (c *Client) Close() error {
	c.tr.CloseIdleConnections()
	return nil
}

// ProtocolError is the error of a [Client] whose request the server
// answered with an HTTP status other than 200 OK, such as 401 Unauthorized
// when credentials are missing or wrong.
type ProtocolError struct {
	// StatusCode is the HTTP status code, such as 401.
	StatusCode int
	// Status is the status line's text, such as "401 Unauthorized".
	Status string
	// Body is the start of the response body, at most 512 bytes.
	Body string
}

// Error returns "xmlrpc: HTTP status STATUS".
func (e *ProtocolError) Error() string {
	if e.Body == "" {
		return "xmlrpc: HTTP status " + e.Status
	}
	return "xmlrpc: HTTP status " + e.Status + ": " + e.Body
}

// Call calls method with args and stores its result in reply, as [Decode]
// does; reply may be nil to discard the result. A fault is returned as a
// *[Fault]; an HTTP status other than 200 OK as a *[ProtocolError]; a
// failure to connect or a canceled ctx as an error wrapping the cause,
// which [errors.Is] finds. Call blocks until the response is read or ctx
// is done.
func (c *Client) Call(ctx context.Context, method string, args []any, reply any) error {
	body, err := appendCall(make([]byte, 0, 256), method, args)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("xmlrpc: %w", err)
	}
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("Accept", "text/xml")
	req.Header.Set("User-Agent", "dmicro-xmlrpc")
	c.setAuth(req)
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("xmlrpc: call %s: %w", method, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return protocolError(resp)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("xmlrpc: call %s: reading the response: %w", method, err)
	}
	if int64(len(data)) > c.opts.MaxResponseBytes {
		return fmt.Errorf("xmlrpc: call %s: the response is over %d bytes", method, c.opts.MaxResponseBytes)
	}
	return UnmarshalResponse(data, reply)
}

func (c *Client) setAuth(req *http.Request) {
	if c.opts.Username != "" {
		req.SetBasicAuth(c.opts.Username, c.opts.Password)
	}
}

func protocolError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return &ProtocolError{
		StatusCode: resp.StatusCode,
		Status:     resp.Status,
		Body:       strings.TrimSpace(string(b)),
	}
}

// MethodCall is one call of a [Client.Multicall].
type MethodCall struct {
	Method string
	Params []any
}

// Result is the outcome of one call of a [Client.Multicall]: its result,
// or the fault it was answered with.
type Result struct {
	Value any
	Fault *Fault
}

// Decode stores the result in dst as [Decode] does, or returns the fault.
func (r Result) Decode(dst any) error {
	if r.Fault != nil {
		return r.Fault
	}
	return Decode(r.Value, dst)
}

// Multicall makes calls in one request, through the server's
// system.multicall, and returns their results in order. The server runs
// them one after another; a fault of one call does not stop the others.
// Multicall returns an error, and no results, when the request as a whole
// fails.
func (c *Client) Multicall(ctx context.Context, calls []MethodCall) ([]Result, error) {
	list := make([]any, len(calls))
	for i, mc := range calls {
		params := mc.Params
		if params == nil {
			params = []any{}
		}
		list[i] = map[string]any{"methodName": mc.Method, "params": params}
	}
	var raw []any
	if err := c.Call(ctx, methodMulticall, []any{list}, &raw); err != nil {
		return nil, err
	}
	if len(raw) != len(calls) {
		return nil, fmt.Errorf("xmlrpc: system.multicall answered %d calls with %d results", len(calls), len(raw))
	}
	results := make([]Result, len(raw))
	for i, r := range raw {
		switch r := r.(type) {
		case []any:
			if len(r) != 1 {
				return nil, fmt.Errorf("xmlrpc: system.multicall result %d is an array of %d values, not 1", i, len(r))
			}
			results[i].Value = r[0]
		case map[string]any:
			code, ok := r["faultCode"].(int)
			if !ok {
				return nil, fmt.Errorf("xmlrpc: system.multicall result %d is a struct without an int faultCode", i)
			}
			s, _ := r["faultString"].(string)
			results[i].Fault = &Fault{Code: code, String: s}
		default:
			return nil, fmt.Errorf("xmlrpc: system.multicall result %d is %s", i, typeName(r))
		}
	}
	return results, nil
}

// Get sends a GET for path, such as "/logtail/web/stdout", to the server,
// with the client's credentials, as supervisorctl does for tail -f, and
// returns the response when its status is 200 OK. The caller must close
// the response's body; it streams for as long as the server writes and ctx
// is not done. Any other status is a *[ProtocolError].
func (c *Client) Get(ctx context.Context, path string) (*http.Response, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("xmlrpc: Get path %q does not start with /", path)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, fmt.Errorf("xmlrpc: %w", err)
	}
	req.Header.Set("User-Agent", "dmicro-xmlrpc")
	c.setAuth(req)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("xmlrpc: get %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, protocolError(resp)
	}
	return resp, nil
}
