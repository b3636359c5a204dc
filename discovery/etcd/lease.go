package etcd

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
)

// group is the keys registered with one TTL: they share one lease, kept
// alive by one goroutine (Registry.keep), which alone writes them to etcd.
type group struct {
	ttl  int64         // seconds
	kick chan struct{} // cap 1: a change to push

	mu      sync.Mutex
	keys    map[string][]byte // what should be in etcd
	dirty   map[string]uint64 // key → generation of its last change not yet pushed
	gen     uint64            // generation of the last change
	pushed  uint64            // every change up to this generation is in etcd
	changed chan struct{}     // closed (and replaced) when pushed advances
	lease   int64             // 0: none granted

	paused     atomic.Bool  // tests: stop keep-alives
	keepAlives atomic.Int64 // tests: keep-alives that succeeded
}

func newGroup(ttl int64) *group {
	return &group{ttl: ttl, kick: make(chan struct{}, 1), keys: make(map[string][]byte),
		dirty: make(map[string]uint64), changed: make(chan struct{})}
}

// waiter waits for a group to push a generation.
type waiter struct {
	g   *group
	gen uint64
}

// change sets key's value (nil: delete it) and returns a waiter for the
// push.
func (g *group) change(key string, value []byte) waiter {
	g.mu.Lock()
	g.gen++
	if value == nil {
		delete(g.keys, key)
	} else {
		g.keys[key] = value
	}
	g.dirty[key] = g.gen
	w := waiter{g, g.gen}
	g.mu.Unlock()
	select {
	case g.kick <- struct{}{}:
	default:
	}
	return w
}

func (w waiter) wait(ctx, closed context.Context) error {
	for {
		w.g.mu.Lock()
		done, ch := w.g.pushed >= w.gen, w.g.changed
		w.g.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("%w: not yet stored, retrying in the background: %w", discovery.ErrUnavailable, ctx.Err())
		case <-closed.Done():
			return discovery.ErrClosed
		}
	}
}

// push is one round of writes: what changed, or everything under a new
// lease when there is none.
type push struct {
	gen   uint64
	lease int64
	puts  map[string][]byte
	dels  []string
	dirty map[string]uint64 // the dirty marks this push covers
}

func (g *group) nextPush() push {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := push{gen: g.gen, lease: g.lease, puts: make(map[string][]byte), dirty: make(map[string]uint64, len(g.dirty))}
	for k, gen := range g.dirty {
		p.dirty[k] = gen
		if _, ok := g.keys[k]; !ok {
			p.dels = append(p.dels, k)
		}
	}
	if p.lease == 0 {
		for k, v := range g.keys {
			p.puts[k] = v
		}
	} else {
		for k := range g.dirty {
			if v, ok := g.keys[k]; ok {
				p.puts[k] = v
			}
		}
	}
	return p
}

// done records a successful push: its lease, and the dirty marks it
// cleared (a key changed again meanwhile stays dirty).
func (g *group) done(p push, lease int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.lease = lease
	for k, gen := range p.dirty {
		if g.dirty[k] == gen {
			delete(g.dirty, k)
		}
	}
	if len(g.dirty) == 0 && g.pushed < p.gen {
		g.pushed = p.gen
		close(g.changed)
		g.changed = make(chan struct{})
	}
}

// lost forgets the lease: the next push grants one and puts every key.
func (g *group) lost(lease int64) {
	g.mu.Lock()
	if g.lease == lease {
		g.lease = 0
	}
	g.mu.Unlock()
}

// apply writes p to etcd and returns the lease the keys are under (0 when
// none is left).
func (r *Registry) apply(ctx context.Context, g *group, p push) (int64, error) {
	lease := p.lease
	if lease == 0 && len(p.puts) > 0 {
		id, err := r.c.grant(ctx, g.ttl)
		if err != nil {
			return 0, err
		}
		lease = id
	}
	for k, v := range p.puts {
		if err := r.c.put(ctx, k, v, lease); err != nil {
			if errors.Is(err, ErrLeaseNotFound) {
				g.lost(lease)
			}
			return 0, err
		}
	}
	for _, k := range p.dels {
		if err := r.c.delete(ctx, k); err != nil {
			return 0, err
		}
	}
	g.mu.Lock()
	empty := len(g.keys) == 0
	g.mu.Unlock()
	if empty && lease != 0 {
		if err := r.c.revoke(ctx, lease); err != nil {
			return 0, err
		}
		lease = 0
	}
	return lease, nil
}

// keep owns group g: it pushes changes, renews the lease every TTL/3,
// grants a new one and puts every key again when the lease is lost, and
// retries with back-off while etcd cannot be reached. At Close it revokes
// the lease.
func (r *Registry) keep(g *group) {
	defer r.wg.Done()
	interval := time.Duration(g.ttl) * time.Second / 3
	timer := time.NewTimer(0)
	defer timer.Stop()
	failures := 0
	for {
		var err error
		p := g.nextPush()
		if p.lease == 0 && len(p.puts) > 0 || len(p.dirty) > 0 {
			var lease int64
			lease, err = r.apply(r.ctx, g, p)
			if err == nil {
				g.done(p, lease)
			}
		}
		if r.ctx.Err() == nil {
			r.health.report("registering", err)
		}
		wait := interval
		if err != nil && r.ctx.Err() == nil {
			failures++
			wait = retry.Delay(failures)
		} else {
			failures = 0
		}
		timer.Reset(wait)
		select {
		case <-r.ctx.Done():
			r.revokeAtClose(g)
			return
		case <-g.kick:
			continue
		case <-timer.C:
		}
		if err != nil || g.paused.Load() {
			continue
		}
		g.mu.Lock()
		lease := g.lease
		g.mu.Unlock()
		if lease == 0 {
			continue
		}
		if _, err := r.c.keepAlive(r.ctx, lease); err != nil {
			if errors.Is(err, ErrLeaseNotFound) {
				r.log.Warn("etcd lease lost; granting a new one and putting every key again", "lease", fmt.Sprintf("%x", lease))
				g.lost(lease)
				r.health.report("renewing", nil)
			} else if r.ctx.Err() == nil {
				r.health.report("renewing", err)
				failures++
				timer.Reset(retry.Delay(failures))
				select {
				case <-r.ctx.Done():
					r.revokeAtClose(g)
					return
				case <-g.kick:
				case <-timer.C:
				}
			}
			continue
		}
		g.keepAlives.Add(1)
		r.health.report("renewing", nil)
	}
}

// revokeAtClose revokes g's lease, deleting its keys, with a bounded wait.
func (r *Registry) revokeAtClose(g *group) {
	g.mu.Lock()
	lease := g.lease
	g.lease = 0
	g.mu.Unlock()
	if lease == 0 || g.paused.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.c.timeout)
	defer cancel()
	if err := r.c.revoke(ctx, lease); err != nil {
		r.log.Warn("etcd lease not revoked at close; its keys expire after the TTL", "lease", fmt.Sprintf("%x", lease), "err", err)
	}
}
