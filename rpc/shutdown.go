package rpc

import (
	"context"
	"errors"
)

// Shutdown stops the endpoint gracefully. It closes the listeners, tells
// every peer "going away" (a peer's dialed session then sends its new calls
// on a new connection, and this endpoint's dialed sessions send none), lets
// the calls and handlers in flight finish in both directions, closes each
// connection as it drains, and returns when all are closed. If ctx ends
// first, it closes what is left at once, as Close does, and returns the
// context's error.
//
// A BeforeCloseEndpoint hook's error stops Shutdown before it begins; the
// endpoint keeps serving. Shutdown after Close, or a second Shutdown, waits
// for the same end.
func (e *Endpoint) Shutdown(ctx context.Context) error {
	if err := runHook(e.plugins.beforeCloseEndpoint, BeforeCloseEndpointHook.BeforeCloseEndpoint, e); err != nil {
		return err
	}
	e.beginClosing()
	e.mu.Lock()
	conns := make([]*conn, 0, len(e.conns))
	for c := range e.conns {
		conns = append(conns, c)
	}
	e.mu.Unlock()
	for _, c := range conns {
		c.goAway()
	}
	// Sessions without a connection (redialing, or moving after the peer's
	// go-away) have nothing to drain.
	for _, s := range e.hub.all() {
		if s.cur.Load() == nil {
			s.closeFinal(nil)
		}
	}
	var err error
	select {
	case <-e.waitNoConns():
	case <-ctx.Done():
		err = ctx.Err()
	}
	return e.finishClose(err)
}

// Close stops the endpoint at once: listeners and connections close, calls
// in flight fail with CodeConnClosed, handlers' contexts end. It waits for
// the goroutines the endpoint owns (readers, writers, redial loops), not for
// handlers. It is safe to call more than once and after Shutdown. Do not
// call it from a redial callback or a hook, which run in those goroutines.
func (e *Endpoint) Close() error {
	herr := runHook(e.plugins.beforeCloseEndpoint, BeforeCloseEndpointHook.BeforeCloseEndpoint, e)
	e.beginClosing()
	return errors.Join(herr, e.finishClose(nil))
}

// beginClosing refuses new sessions, redials and listeners, wakes callers
// waiting for a connection, and closes the listeners.
func (e *Endpoint) beginClosing() {
	e.closing.Store(true)
	e.closeListeners()
	for _, s := range e.hub.all() {
		s.wake()
	}
}

// finishClose closes whatever is left, once, waits for the endpoint's
// goroutines, and runs the AfterCloseEndpoint hooks.
func (e *Endpoint) finishClose(err error) error {
	e.closeOnce.Do(func() {
		e.owner.stop()
		e.mu.Lock()
		conns := make([]*conn, 0, len(e.conns))
		for c := range e.conns {
			conns = append(conns, c)
		}
		e.mu.Unlock()
		for _, s := range e.hub.all() {
			s.closeFinal(nil)
		}
		for _, c := range conns {
			c.fail(errEndpointClosed)
			c.abandonInlineReader()
		}
		e.cancel()
		e.workers.close()
		e.owner.wait()
		e.closeErr = err
		if herr := run(e.plugins.afterCloseEndpoint, func(h AfterCloseEndpointHook) error { return h.AfterCloseEndpoint(e, err) }); herr != nil {
			e.closeErr = errors.Join(err, herr)
		}
		e.log.Info("rpc: endpoint closed")
	})
	return e.closeErr
}
