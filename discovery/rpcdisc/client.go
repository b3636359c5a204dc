package rpcdisc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/discovery/selector"
	"github.com/dmicro-go/dmicro/rpc"
)

// DefaultMaxAttempts is how many nodes a call may try when
// ClientConfig.MaxAttempts is zero.
const DefaultMaxAttempts = 3

// Defaults of ClientConfig's watch back-off.
const (
	DefaultRetryMin = 100 * time.Millisecond
	DefaultRetryMax = 10 * time.Second
)

// ErrClosed is the cause of the error of a call made on a closed Client.
var ErrClosed = errors.New("rpcdisc: client closed")

// ClientConfig tunes a Client; the zero value works: round robin over every
// version of the service, up to 3 nodes per call, a node kept out for 1 s to
// 30 s after a connection-level failure.
type ClientConfig struct {
	// Selector configures the selector that picks a node per call: its
	// Strategy (nil means round robin) and back-off. A nil Failed means
	// ConnFailed: only connection-level failures keep a node out, never an
	// application's error.
	Selector selector.Config
	// Key gives the key of a call for selector.ConsistentHash, when the
	// call's context carries none (see WithKey). Nil means the empty key.
	Key func(ctx context.Context, method string, arg any) string
	// MaxAttempts is how many nodes a call may try, the first included;
	// zero means DefaultMaxAttempts. A call goes to another node only when
	// it certainly never reached the previous one (see NotSent).
	MaxAttempts int
	// Version, when not empty, limits the client to the nodes of that
	// version of the service; empty means every version.
	Version string
	// RetryMin and RetryMax bound the back-off between attempts to watch
	// the registry again after a watch ended or failed; zero means
	// DefaultRetryMin and DefaultRetryMax.
	RetryMin, RetryMax time.Duration
	// Logger receives a line when the registry is lost or found again and
	// when a call is retried (Debug); nil means the endpoint's Logger.
	Logger *slog.Logger
}

// Client calls a service by name: each call goes to a node of the service
// that the selector picks, over one session per node dialed through the
// endpoint on first use and reused by every call after. A goroutine follows
// the registry (one Watch, then a read of the service, restarted with
// back-off when it ends) and keeps the selector's node set current; a node
// that leaves the set has its session closed once its calls are done.
//
// A Client is safe for concurrent use. Close it when done; it does not
// close the endpoint or the registry.
type Client struct {
	ep      *rpc.Endpoint
	reg     discovery.Registry
	service string
	cfg     ClientConfig
	sel     *selector.Selector
	log     *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	ready     chan struct{} // closed once the first read of the service is done
	readyOnce sync.Once

	mu         sync.Mutex
	resolveErr error                  // why the last read of the service failed, or nil
	conns      map[string]*nodeConn   // by node id
	retired    map[*nodeConn]struct{} // left the set, closed when their calls end
	closed     bool
}

// NewClient returns a client of the service named service, found in reg and
// called through ep. It starts following reg at once; the first call waits
// (within its context) for the first read of the service.
func NewClient(ep *rpc.Endpoint, reg discovery.Registry, service string, cfg ClientConfig) (*Client, error) {
	switch {
	case ep == nil:
		return nil, errors.New("rpcdisc: NewClient: nil endpoint")
	case reg == nil:
		return nil, errors.New("rpcdisc: NewClient: nil registry")
	case service == "":
		return nil, fmt.Errorf("rpcdisc: NewClient: %w: empty service name", discovery.ErrInvalid)
	case cfg.MaxAttempts < 0:
		return nil, fmt.Errorf("rpcdisc: NewClient: negative MaxAttempts %d", cfg.MaxAttempts)
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Selector.Failed == nil {
		cfg.Selector.Failed = ConnFailed
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = DefaultRetryMin
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = DefaultRetryMax
	}
	log := cfg.Logger
	if log == nil {
		log = ep.Logger()
	}
	c := &Client{
		ep:      ep,
		reg:     reg,
		service: service,
		cfg:     cfg,
		sel:     selector.New(cfg.Selector),
		log:     log.With("service", service),
		ready:   make(chan struct{}),
		conns:   make(map[string]*nodeConn),
		retired: make(map[*nodeConn]struct{}),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.wg.Add(1)
	go c.follow()
	return c, nil
}

// Nodes returns the nodes the client picks from now, sorted by id.
func (c *Client) Nodes() []discovery.Node { return c.sel.Nodes() }

// Call calls method on a node of the service, as [rpc.Session.Call] does,
// and retries on another node (up to MaxAttempts in all, within ctx) when
// the call certainly never reached the node it was sent to. The error is
// the last node's, a *rpc.Status; with no node to call it has
// CodeUnavailable and wraps selector.ErrNoNodes (and why the registry could
// not be read, if it could not).
func (c *Client) Call(ctx context.Context, method string, arg, reply any, opts ...rpc.CallOption) error {
	return c.do(ctx, method, arg, func(s *rpc.Session) error {
		return s.Call(ctx, method, arg, reply, opts...)
	})
}

// Push sends a one-way message to method on a node of the service, as
// [rpc.Session.Push] does, retrying on another node like Call.
func (c *Client) Push(ctx context.Context, method string, arg any, opts ...rpc.CallOption) error {
	return c.do(ctx, method, arg, func(s *rpc.Session) error {
		return s.Push(ctx, method, arg, opts...)
	})
}

// maxTracked is how many tried nodes a call remembers.
const maxTracked = 8

func (c *Client) do(ctx context.Context, method string, arg any, send func(*rpc.Session) error) error {
	if err := c.waitReady(ctx); err != nil {
		return err
	}
	key := keyOf(ctx)
	if key == "" && c.cfg.Key != nil {
		key = c.cfg.Key(ctx, method, arg)
	}
	var tried [maxTracked]string
	ntried := 0
	var last error
	for attempt := 0; attempt < c.cfg.MaxAttempts; attempt++ {
		p, err := c.sel.Pick(key)
		if err != nil {
			if last != nil {
				return last
			}
			return c.noNodes(err)
		}
		if wasTried(tried[:ntried], p.Node.ID) {
			// Every other node is kept out: the selector offers one this
			// call failed on already.
			p.Done(last)
			return last
		}
		if ntried < len(tried) {
			tried[ntried] = p.Node.ID
			ntried++
		}
		nc, err := c.acquire(ctx, p.Node)
		if err == nil {
			err = send(nc.sess)
			c.release(nc)
		}
		p.Done(err)
		if err == nil || !NotSent(err) || ctx.Err() != nil {
			return err
		}
		last = err
		c.log.Debug("rpcdisc: call not sent; trying another node", "method", method, "node", p.Node.ID, "err", err)
	}
	return last
}

func wasTried(ids []string, id string) bool {
	for _, t := range ids {
		if t == id {
			return true
		}
	}
	return false
}

// waitReady waits for the first read of the service.
func (c *Client) waitReady(ctx context.Context) error {
	select {
	case <-c.ready:
		return nil
	default:
	}
	select {
	case <-c.ready:
		return nil
	case <-c.ctx.Done():
		return rpc.WrapStatus(rpc.CodeUnavailable, "service "+c.service, ErrClosed)
	case <-ctx.Done():
		return ctxStatus(ctx)
	}
}

// noNodes is the error of a call with no node to go to.
func (c *Client) noNodes(err error) error {
	c.mu.Lock()
	closed, rerr := c.closed, c.resolveErr
	c.mu.Unlock()
	switch {
	case closed:
		err = ErrClosed
	case rerr != nil:
		err = fmt.Errorf("%w: %w", err, rerr)
	}
	return rpc.WrapStatus(rpc.CodeUnavailable, "service "+c.service, err)
}

// ctxStatus is the status of a call whose context ended.
func ctxStatus(ctx context.Context) error {
	code := rpc.CodeCanceled
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		code = rpc.CodeDeadlineExceeded
	}
	return rpc.WrapStatus(code, "", ctx.Err())
}

// Close stops following the registry and closes the sessions the client
// dialed; calls in flight on them fail with CodeConnClosed, later calls
// fail with CodeUnavailable wrapping ErrClosed. The endpoint and the
// registry stay open. Close waits for the client's goroutines; it returns
// nil, also when called again.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait() // the follower and the dials; no new ones start once closed
	c.mu.Lock()
	var open []*nodeConn
	for _, nc := range c.conns {
		open = append(open, nc)
	}
	for nc := range c.retired {
		open = append(open, nc)
	}
	c.conns, c.retired = map[string]*nodeConn{}, map[*nodeConn]struct{}{}
	c.mu.Unlock()
	for _, nc := range open {
		if nc.sess != nil {
			nc.sess.Close()
		}
	}
	return nil
}
