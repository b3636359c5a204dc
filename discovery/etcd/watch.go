package etcd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
)

// watchBuffer is the capacity of a Watch channel.
const watchBuffer = 64

// Watch lists the services that pass filter, then follows etcd's watch
// stream from the next revision, turning puts into EventAdd (a new key)
// or EventUpdate (a changed value) and deletes (by Deregister, Close or
// an expired lease) into EventRemove. A stream that is cut (a member
// killed, a connection reset) is opened again, on another endpoint if
// need be, from the last revision seen plus one, so no event is lost;
// when etcd has compacted that revision, or its store was reset (it lost
// its data), Watch lists the keys again and reports the difference.
// Events are never dropped: a reader that falls behind delays only its
// own stream. The channel is closed when ctx ends or the registry closes.
func (r *Registry) Watch(ctx context.Context, filter discovery.WatchFilter) (<-chan discovery.Event, error) {
	prefix := r.cfg.prefix() + "/"
	if filter.Service != "" {
		prefix += filter.Service + "/"
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, fmt.Errorf("etcd: watch: %w", discovery.ErrClosed)
	}
	r.wg.Add(1)
	r.mu.Unlock()
	w := &watcher{r: r, prefix: prefix, out: make(chan discovery.Event, watchBuffer)}
	ctx, cancel := context.WithCancel(ctx)
	recs, rev, err := r.records(ctx, prefix)
	if err != nil {
		cancel()
		r.wg.Done()
		return nil, fmt.Errorf("etcd: watch %q: %w", prefix, err)
	}
	w.known, w.rev = recs, rev
	go func() {
		defer r.wg.Done()
		defer cancel()
		defer close(w.out)
		stop := context.AfterFunc(r.ctx, cancel)
		defer stop()
		w.run(ctx)
	}()
	return w.out, nil
}

// watcher follows one prefix.
type watcher struct {
	r      *Registry
	prefix string
	out    chan discovery.Event
	known  map[string]record // what the reader has been told
	rev    int64             // the last revision seen
}

func (w *watcher) run(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		err := w.stream(ctx)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, ErrCompacted) {
			err = w.relist(ctx)
		}
		if err == errProgress {
			failures = 0
			continue
		}
		w.r.health.report("watching", err)
		failures++
		select {
		case <-ctx.Done():
			return
		case <-time.After(retry.Delay(failures)):
		}
	}
}

// errProgress says a stream ended after delivering something: reopen at
// once.
var errProgress = errors.New("etcd: watch stream ended")

// stream opens the watch at w.rev+1 on one endpoint after another and
// reads it until it fails.
func (w *watcher) stream(ctx context.Context) error {
	c := w.r.c
	// A store that went back in time (etcd lost its data) would never
	// reach w.rev+1: list again instead.
	res, err := c.rangePrefix(ctx, w.prefix)
	if err != nil {
		return err
	}
	if res.Header.Revision < w.rev {
		if err := w.relist(ctx); err != errProgress {
			return err
		}
	}
	body, _ := json.Marshal(watchRequest{Create: watchCreate{Key: []byte(w.prefix), RangeEnd: prefixEnd(w.prefix),
		StartRevision: w.rev + 1, PrevKV: true}})
	var last error
	start := int(c.good.Load())
	for i := range c.endpoints {
		idx := (start + i) % len(c.endpoints)
		ep := c.endpoints[idx]
		if err := c.authenticate(ctx, ep); err != nil {
			last = err
			continue
		}
		hr, err := c.request(ctx, ep, "/v3/watch", body)
		if err != nil {
			return err
		}
		resp, err := c.hc.Do(hr)
		if err != nil {
			last = fmt.Errorf("etcd: %s /v3/watch: %w", ep, err)
			continue
		}
		if resp.StatusCode/100 != 2 {
			data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			last = decodeError(ep, "/v3/watch", resp.StatusCode, data)
			if invalidToken(last) {
				c.setToken("")
			}
			continue
		}
		c.good.Store(int32(idx))
		err = w.read(ctx, newWatchDecoder(resp.Body, ep))
		resp.Body.Close()
		return err
	}
	return fmt.Errorf("%w: etcd: no endpoint opened a watch: %w", discovery.ErrUnavailable, last)
}

// read delivers the stream's events until it fails; errProgress when it
// was cut after its creation was confirmed.
func (w *watcher) read(ctx context.Context, d *watchDecoder) error {
	created := false
	for {
		res, err := d.next()
		if err != nil {
			if created && !errors.Is(err, ErrCompacted) && ctx.Err() == nil {
				var ge *Error
				if !errors.As(err, &ge) {
					return errProgress
				}
			}
			return err
		}
		if res.Created {
			created = true
			w.r.health.report("watching", nil)
		}
		for _, ev := range res.Events {
			if !w.apply(ctx, ev) {
				return ctx.Err()
			}
		}
		if len(res.Events) > 0 {
			w.rev = max(w.rev, res.Events[len(res.Events)-1].KV.ModRevision)
		}
	}
}

// apply turns one etcd event into a discovery event; false when ctx ended
// before the reader took it.
func (w *watcher) apply(ctx context.Context, ev watchEvent) bool {
	key := string(ev.KV.Key)
	old, had := w.known[key]
	if ev.Type == "DELETE" {
		if !had {
			if ev.PrevKV != nil {
				old, had = decodeOrKey(w.r.cfg, key, ev.PrevKV.Value)
			} else {
				old, had = w.r.cfg.recordFromKey(key)
			}
			if !had {
				return true
			}
		}
		delete(w.known, key)
		return w.send(ctx, discovery.EventRemove, old)
	}
	rec, err := decodeRecord(key, ev.KV.Value)
	if err != nil {
		return true // not ours: skip
	}
	w.known[key] = rec
	switch {
	case !had:
		return w.send(ctx, discovery.EventAdd, rec)
	case !sameRecord(old, rec):
		return w.send(ctx, discovery.EventUpdate, rec)
	}
	return true
}

func decodeOrKey(cfg Config, key string, value []byte) (record, bool) {
	if rec, err := decodeRecord(key, value); err == nil {
		return rec, true
	}
	return cfg.recordFromKey(key)
}

func sameRecord(a, b record) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func (w *watcher) send(ctx context.Context, t discovery.EventType, rec record) bool {
	select {
	case w.out <- discovery.Event{Type: t, Service: rec.service()}:
		return true
	case <-ctx.Done():
		return false
	}
}

// relist lists the prefix again and reports the difference with what the
// reader was told; the watch goes on from the listing's revision.
func (w *watcher) relist(ctx context.Context) error {
	recs, rev, err := w.r.records(ctx, w.prefix)
	if err != nil {
		return err
	}
	for k, old := range w.known {
		if _, ok := recs[k]; !ok {
			delete(w.known, k)
			if !w.send(ctx, discovery.EventRemove, old) {
				return ctx.Err()
			}
		}
	}
	for k, rec := range recs {
		old, had := w.known[k]
		w.known[k] = rec
		switch {
		case !had:
			if !w.send(ctx, discovery.EventAdd, rec) {
				return ctx.Err()
			}
		case !sameRecord(old, rec):
			if !w.send(ctx, discovery.EventUpdate, rec) {
				return ctx.Err()
			}
		}
	}
	w.rev = rev
	return errProgress
}
