package etcd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
)

// maxBody caps a unary answer read from the gateway.
const maxBody = 64 << 20

// client speaks etcd's v3 JSON gateway over net/http, failing over
// between endpoints: a connection error, a timeout or a 5xx answer moves
// the call to the next endpoint, and the one that answered is tried first
// next time.
type client struct {
	endpoints []string // base URLs, such as "http://127.0.0.1:2379"
	hc        *http.Client
	timeout   time.Duration // per unary request
	user      string
	password  string

	good  atomic.Int32 // index of the endpoint that answered last
	auths atomic.Int64 // tokens obtained

	mu    sync.Mutex
	token string
}

func newClient(cfg Config) *client {
	tr := &http.Transport{
		TLSClientConfig:     cfg.TLS.Clone(),
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     30 * time.Second,
	}
	c := &client{
		hc:       &http.Client{Transport: tr},
		timeout:  cfg.RequestTimeout,
		user:     cfg.Username,
		password: cfg.Password,
	}
	if c.timeout <= 0 {
		c.timeout = 5 * time.Second
	}
	eps := cfg.Endpoints
	if len(eps) == 0 {
		eps = []string{"127.0.0.1:2379"}
	}
	for _, e := range eps {
		e = strings.TrimRight(e, "/")
		if !strings.Contains(e, "://") {
			if cfg.TLS != nil {
				e = "https://" + e
			} else {
				e = "http://" + e
			}
		}
		c.endpoints = append(c.endpoints, e)
	}
	return c
}

func (c *client) close() { c.hc.CloseIdleConnections() }

// call posts req as JSON to method on one endpoint after another until one
// answers, and decodes its answer into resp (nil: discard). It
// authenticates first when a user is configured, and again once when the
// token is refused.
func (c *client) call(ctx context.Context, method string, req, resp any) error {
	err := c.callOnce(ctx, method, req, resp)
	if c.user != "" && invalidToken(err) {
		c.setToken("")
		err = c.callOnce(ctx, method, req, resp)
	}
	return err
}

func (c *client) callOnce(ctx context.Context, method string, req, resp any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("%w: %s: encoding the request: %v", ErrGateway, method, err)
	}
	var last error
	start := int(c.good.Load())
	for i := range c.endpoints {
		idx := (start + i) % len(c.endpoints)
		ep := c.endpoints[idx]
		err := c.post(ctx, ep, method, body, resp)
		if err == nil {
			c.good.Store(int32(idx))
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("etcd: %s %s: %w", ep, method, ctx.Err())
		}
		if !retryable(err) {
			return err
		}
		last = err
	}
	return fmt.Errorf("%w: etcd: no endpoint answered %s: %w", discovery.ErrUnavailable, method, last)
}

// unavailable is a failure to reach an endpoint: connection error,
// timeout, 5xx.
type unavailable struct{ err error }

func (u unavailable) Error() string { return u.err.Error() }
func (u unavailable) Unwrap() error { return u.err }

func retryable(err error) bool {
	var u unavailable
	return errors.As(err, &u)
}

func (c *client) post(ctx context.Context, ep, method string, body []byte, resp any) error {
	if method != "/v3/auth/authenticate" {
		if err := c.authenticate(ctx, ep); err != nil {
			return err
		}
	}
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	hr, err := c.request(rctx, ep, method, body)
	if err != nil {
		return err
	}
	res, err := c.hc.Do(hr)
	if err != nil {
		return unavailable{fmt.Errorf("etcd: %s %s: %w", ep, method, err)}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return unavailable{fmt.Errorf("etcd: %s %s: reading the answer: %w", ep, method, err)}
	}
	if res.StatusCode/100 != 2 {
		err := decodeError(ep, method, res.StatusCode, data)
		if res.StatusCode >= 500 {
			return unavailable{err}
		}
		return err
	}
	if resp == nil {
		return nil
	}
	if err := json.Unmarshal(data, resp); err != nil {
		return fmt.Errorf("%w: %s %s: decoding the answer: %v", ErrGateway, ep, method, err)
	}
	return nil
}

// request builds a POST of body to ep+method carrying the auth token.
func (c *client) request(ctx context.Context, ep, method string, body []byte) (*http.Request, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, ep+method, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: %v", ErrGateway, ep, method, err)
	}
	hr.Header.Set("Content-Type", "application/json")
	if tok := c.getToken(); tok != "" {
		hr.Header.Set("Authorization", tok)
	}
	return hr, nil
}

func (c *client) getToken() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}

func (c *client) setToken(t string) {
	c.mu.Lock()
	c.token = t
	c.mu.Unlock()
}

// authenticate gets a token from ep when a user is configured and there
// is no token yet.
func (c *client) authenticate(ctx context.Context, ep string) error {
	if c.user == "" || c.getToken() != "" {
		return nil
	}
	body, _ := json.Marshal(authRequest{Name: c.user, Password: c.password})
	var ar authResponse
	if err := c.post(ctx, ep, "/v3/auth/authenticate", body, &ar); err != nil {
		return err
	}
	if ar.Token == "" {
		return fmt.Errorf("%w: %s: no token in the answer (is auth enabled?)", ErrAuth, ep)
	}
	c.setToken(ar.Token)
	c.auths.Add(1)
	return nil
}

// grant asks for a lease of ttl seconds and returns its id.
func (c *client) grant(ctx context.Context, ttl int64) (int64, error) {
	var r leaseResponse
	if err := c.call(ctx, "/v3/lease/grant", leaseRequest{TTL: ttl}, &r); err != nil {
		return 0, err
	}
	if r.ID == 0 {
		return 0, fmt.Errorf("%w: lease grant answered without an id", ErrGateway)
	}
	return r.ID, nil
}

// keepAlive renews lease id once and returns its remaining TTL in
// seconds; an error wrapping ErrLeaseNotFound when etcd no longer knows
// it. The gateway's keep-alive is a stream; one request body gives one
// answer, then the stream ends.
func (c *client) keepAlive(ctx context.Context, id int64) (int64, error) {
	var r keepAliveResponse
	if err := c.call(ctx, "/v3/lease/keepalive", leaseRequest{ID: id}, &r); err != nil {
		return 0, err
	}
	if r.Error != nil {
		return 0, fmt.Errorf("%w: keep-alive of lease %x: %s", ErrGateway, id, *r.Error)
	}
	if r.Result.TTL <= 0 {
		return 0, fmt.Errorf("%w: keep-alive of lease %x", ErrLeaseNotFound, id)
	}
	return r.Result.TTL, nil
}

// revoke ends lease id and deletes its keys; a lease etcd does not know is
// not an error.
func (c *client) revoke(ctx context.Context, id int64) error {
	err := c.call(ctx, "/v3/lease/revoke", leaseRequest{ID: id}, nil)
	if errors.Is(err, ErrLeaseNotFound) {
		return nil
	}
	return err
}

func (c *client) put(ctx context.Context, key string, value []byte, lease int64) error {
	return c.call(ctx, "/v3/kv/put", putRequest{Key: []byte(key), Value: value, Lease: lease}, nil)
}

// rangePrefix returns the keys under prefix and the store's revision.
func (c *client) rangePrefix(ctx context.Context, prefix string) (rangeResponse, error) {
	var r rangeResponse
	err := c.call(ctx, "/v3/kv/range", rangeRequest{Key: []byte(prefix), RangeEnd: prefixEnd(prefix)}, &r)
	return r, err
}

func (c *client) delete(ctx context.Context, key string) error {
	return c.call(ctx, "/v3/kv/deleterange", deleteRequest{Key: []byte(key)}, nil)
}

// prefixEnd is the range end that covers every key starting with prefix:
// the prefix with its last byte below 0xff incremented.
func prefixEnd(prefix string) []byte {
	end := []byte(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return []byte{0} // every key
}
