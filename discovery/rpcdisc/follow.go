package rpcdisc

import (
	"context"
	"errors"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/internal/backoff"
)

// follow keeps the selector's node set current until the client closes:
// it watches the service, reads it, applies each event, and starts over
// with back-off when the watch ends or the registry fails. While the
// registry cannot be read the last node set stays in use.
func (c *Client) follow() {
	defer c.wg.Done()
	bo := backoff.Policy{Min: c.cfg.RetryMin, Max: c.cfg.RetryMax, Multiplier: 2, Jitter: 0.2}
	failures := 0
	lost := false
	for {
		read, err := c.followOnce()
		if c.ctx.Err() != nil {
			return
		}
		if read {
			failures = 0
		}
		failures++
		switch {
		case err != nil && !lost:
			lost = true
			c.log.Warn("rpcdisc: cannot follow the registry; keeping the last nodes", "err", err)
		case err == nil && lost:
			lost = false
			c.log.Info("rpcdisc: following the registry again")
		}
		t := time.NewTimer(bo.Delay(failures))
		select {
		case <-t.C:
		case <-c.ctx.Done():
			t.Stop()
			return
		}
	}
}

// followOnce watches the service, reads it and applies the watch's events
// until the watch ends. read says whether the service was read; err is why
// the registry failed, nil when the watch merely ended.
func (c *Client) followOnce() (read bool, err error) {
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel() // ends the watch when this round ends
	events, err := c.reg.Watch(ctx, discovery.WatchFilter{Service: c.service})
	if err != nil {
		c.resolved(nil, err)
		return false, err
	}
	// Watch first, then read: every change after the read is among the
	// events, and applying an event that the read already shows is
	// harmless, as each sets a node to what it became.
	svcs, err := c.reg.GetService(ctx, c.service)
	if err != nil && !errors.Is(err, discovery.ErrNotFound) {
		c.resolved(nil, err)
		return false, err
	}
	nodes := make(map[string]discovery.Node)
	for _, s := range svcs {
		if c.cfg.Version != "" && s.Version != c.cfg.Version {
			continue
		}
		for _, n := range s.Nodes {
			nodes[nodeKey(s.Version, n.ID)] = n
		}
	}
	c.resolved(nodes, nil)
	for ev := range events {
		c.apply(nodes, ev)
		// Take what else has arrived before updating the selector once.
	more:
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					break more
				}
				c.apply(nodes, ev)
			default:
				break more
			}
		}
		c.resolved(nodes, nil)
	}
	return true, nil
}

// apply changes nodes by one event.
func (c *Client) apply(nodes map[string]discovery.Node, ev discovery.Event) {
	if ev.Service.Name != c.service || (c.cfg.Version != "" && ev.Service.Version != c.cfg.Version) {
		return
	}
	n := ev.Node()
	k := nodeKey(ev.Service.Version, n.ID)
	switch ev.Type {
	case discovery.EventAdd, discovery.EventUpdate:
		nodes[k] = n
	case discovery.EventRemove:
		delete(nodes, k)
	}
}

// nodeKey names a node within the client's service: node ids are unique
// per version.
func nodeKey(version, id string) string { return version + "\x00" + id }

// resolved installs a node set (nodes nil: keep the last one, note err) and
// lets the first calls go.
func (c *Client) resolved(nodes map[string]discovery.Node, err error) {
	c.mu.Lock()
	c.resolveErr = err
	c.mu.Unlock()
	if nodes != nil {
		list := make([]discovery.Node, 0, len(nodes))
		for _, n := range nodes {
			list = append(list, n)
		}
		discovery.SortNodes(list)
		c.sel.Update(list) // a node id in two versions: the first is kept
		c.prune(list)
	}
	c.readyOnce.Do(func() { close(c.ready) })
}
