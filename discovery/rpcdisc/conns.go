package rpcdisc

import (
	"context"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/rpc"
)

// nodeConn is the session to one node: dialed once, by a goroutine of the
// client, however many calls wait for it.
type nodeConn struct {
	id, addr string
	ready    chan struct{} // closed when the dial ended; then sess or err is set
	sess     *rpc.Session
	err      error
	users    int  // calls using or waiting for it; under Client.mu
	retired  bool // the node left the set: close when users drops to 0
}

// acquire returns the session to node n, dialing it if there is none (one
// dial per node at a time, shared by the calls that wait for it) or if the
// one there has closed for good. The caller releases it.
func (c *Client) acquire(ctx context.Context, n discovery.Node) (*nodeConn, error) {
	for redialed := false; ; redialed = true {
		nc, err := c.hold(n)
		if err != nil {
			return nil, err
		}
		select {
		case <-nc.ready:
		case <-ctx.Done():
			c.release(nc)
			return nil, ctxStatus(ctx)
		}
		if nc.err != nil {
			c.release(nc)
			return nil, nc.err
		}
		select {
		case <-nc.sess.Done():
		default:
			return nc, nil
		}
		// Closed for good (its connection was lost, with no redial or
		// after the redial gave up): forget it and dial again, once.
		c.mu.Lock()
		if c.conns[n.ID] == nc {
			delete(c.conns, n.ID)
		}
		c.mu.Unlock()
		c.release(nc)
		if redialed {
			return nil, rpc.WrapStatus(rpc.CodeUnavailable, "session to "+n.Address+" closed before the call was sent", nc.sess.Err())
		}
	}
}

// hold takes a use of the session to n, starting its dial if needed.
func (c *Client) hold(n discovery.Node) (*nodeConn, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, rpc.WrapStatus(rpc.CodeUnavailable, "service "+c.service, ErrClosed)
	}
	var old *rpc.Session
	nc := c.conns[n.ID]
	if nc != nil && nc.addr != n.Address {
		old = c.retireLocked(nc) // the node moved
		nc = nil
	}
	if nc == nil {
		nc = &nodeConn{id: n.ID, addr: n.Address, ready: make(chan struct{})}
		c.conns[n.ID] = nc
		c.wg.Add(1)
		go c.dial(nc)
	}
	nc.users++
	c.mu.Unlock()
	if old != nil {
		old.Close()
	}
	return nc, nil
}

// dial dials nc's node within the client's life (and the endpoint's
// DialTimeout), for every call waiting for it.
func (c *Client) dial(nc *nodeConn) {
	defer c.wg.Done()
	sess, err := c.ep.Dial(c.ctx, nc.addr)
	c.mu.Lock()
	nc.sess, nc.err = sess, err
	if err != nil && c.conns[nc.id] == nc {
		delete(c.conns, nc.id) // the next call dials again
	}
	unwanted := err == nil && nc.retired && nc.users == 0
	if unwanted {
		delete(c.retired, nc)
	}
	c.mu.Unlock()
	close(nc.ready)
	if unwanted {
		sess.Close()
	}
}

// release ends a use of nc taken by hold; the last use of a retired
// session closes it.
func (c *Client) release(nc *nodeConn) {
	c.mu.Lock()
	nc.users--
	done := nc.retired && nc.users == 0 && nc.sess != nil
	if done {
		delete(c.retired, nc)
	}
	c.mu.Unlock()
	if done {
		nc.sess.Close()
	}
}

// retireLocked takes nc out of use: no new call gets it, and it closes
// once the calls using it are done. It returns the session to close now,
// outside the lock, when no call uses it.
func (c *Client) retireLocked(nc *nodeConn) *rpc.Session {
	if c.conns[nc.id] == nc {
		delete(c.conns, nc.id)
	}
	nc.retired = true
	if nc.users == 0 {
		return nc.sess // nil while dialing: the dial closes it
	}
	c.retired[nc] = struct{}{}
	return nil
}

// prune retires the sessions of nodes that left the set or moved.
func (c *Client) prune(nodes []discovery.Node) {
	var idle []*rpc.Session
	c.mu.Lock()
	for id, nc := range c.conns {
		if !hasNode(nodes, id, nc.addr) {
			if s := c.retireLocked(nc); s != nil {
				idle = append(idle, s)
			}
		}
	}
	c.mu.Unlock()
	for _, s := range idle {
		s.Close()
	}
}

// hasNode reports whether nodes hold a node of that id and address.
func hasNode(nodes []discovery.Node, id, addr string) bool {
	for _, n := range nodes {
		if n.ID == id && n.Address == addr {
			return true
		}
	}
	return false
}
