package rpc

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"syscall"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/transport"
)

// Listen announces on the configured network and ListenAddr with the
// endpoint's transport. Serve the listener with [Endpoint.Serve].
func (e *Endpoint) Listen(ctx context.Context) (net.Listener, error) {
	if e.closing.Load() {
		return nil, ErrServerClosed
	}
	return e.transport.Listen(ctx, e.cfg.Network, e.cfg.ListenAddr)
}

// ListenAndServe listens on the configured address and serves until
// Shutdown or Close, then returns ErrServerClosed.
func (e *Endpoint) ListenAndServe() error {
	l, err := e.Listen(e.ctx)
	if err != nil {
		return err
	}
	return e.Serve(l)
}

// Serve accepts connections on l and serves each as a session, until
// Shutdown or Close (then it returns ErrServerClosed) or a permanent accept
// error. It runs the AfterListen hooks first; their error closes l and is
// returned. Serve takes ownership of l.
func (e *Endpoint) Serve(l net.Listener) error {
	if !e.addListener(l) {
		l.Close()
		return ErrServerClosed
	}
	defer e.removeListener(l)
	if err := runHook(e.plugins.afterListen, AfterListenHook.AfterListen, l.Addr()); err != nil {
		l.Close()
		return err
	}
	e.log.Info("rpc: serving", "addr", l.Addr().String())
	var delay time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if e.closing.Load() {
				return ErrServerClosed
			}
			if !temporary(err) {
				return err
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			e.logPeer(slog.LevelWarn, "rpc: accept failed; retrying", "", "err", err, "delay", delay)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-e.ctx.Done():
				t.Stop()
				return ErrServerClosed
			}
			continue
		}
		delay = 0
		p, err := e.peers.open(e.peerKey(nc.RemoteAddr()), e.cfg.MaxConns, e.cfg.MaxConnsPerPeer)
		if err != nil {
			e.refuseConn(nc, err)
			continue
		}
		if !e.owner.startReader(func() bool { return e.serveConn(nc, p) }) {
			e.peers.close(p)
			nc.Close()
			return ErrServerClosed
		}
	}
}

// refuseConn closes a connection over the connection limits, with one log
// line (rate-limited) and, when the endpoint speaks one format over a plain
// stream, a go-away with CodeOverloaded that says why.
func (e *Endpoint) refuseConn(nc net.Conn, why error) {
	e.logPeer(slog.LevelWarn, "rpc: connection refused", why.Error(), "remote", nc.RemoteAddr().String(), "err", why)
	if _, hs := nc.(transport.Handshaker); !hs && len(e.formats) < 2 && len(e.cfg.Upgraders) == 0 {
		fr := e.format.NewFramer(bufio.NewReaderSize(nc, 16), wire.Options{MaxMessageSize: e.cfg.MaxMessageSize})
		st := WrapStatus(CodeOverloaded, "", why)
		if b, err := fr.AppendMessage(nil, &wire.Message{Type: wire.TypeGoAway, Code: int32(st.Code()), Error: st.Message()}); err == nil {
			nc.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
			nc.Write(b)
		}
	}
	nc.Close()
}

// temporary reports whether an accept error may go away by itself.
func temporary(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.ECONNRESET)
}

func (e *Endpoint) addListener(l net.Listener) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closing.Load() {
		return false
	}
	e.listeners[l] = struct{}{}
	return true
}

func (e *Endpoint) removeListener(l net.Listener) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.listeners, l)
}

// Addrs returns the addresses of the listeners being served.
func (e *Endpoint) Addrs() []net.Addr {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]net.Addr, 0, len(e.listeners))
	for l := range e.listeners {
		out = append(out, l.Addr())
	}
	return out
}

func (e *Endpoint) closeListeners() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for l := range e.listeners {
		l.Close()
	}
}

// serveConn runs an accepted connection in the accept goroutine; see
// readLoop for what it reports.
func (e *Endpoint) serveConn(nc net.Conn, p *peer) (handedOff bool) {
	c, err := e.accept(nc, p)
	if err != nil {
		e.logPeer(slog.LevelDebug, "rpc: connection refused", "", "remote", nc.RemoteAddr().String(), "err", err)
		return false
	}
	return c.readLoop()
}

// ServeConn serves a connection accepted elsewhere (an HTTP upgrade, a
// custom listener) as a session of this endpoint. It runs the handshake and
// the AfterAccept hooks, then reads in a goroutine the endpoint owns.
func (e *Endpoint) ServeConn(nc net.Conn) (*Session, error) {
	p, err := e.peers.open(e.peerKey(nc.RemoteAddr()), e.cfg.MaxConns, e.cfg.MaxConnsPerPeer)
	if err != nil {
		e.refuseConn(nc, err)
		return nil, WrapStatus(CodeOverloaded, "", err)
	}
	c, err := e.accept(nc, p)
	if err != nil {
		return nil, err
	}
	if !e.owner.startReader(c.readLoop) {
		c.fail(errEndpointClosed)
		c.s.closeFinal(errEndpointClosed)
		return nil, errEndpointClosed
	}
	return c.s, nil
}

// accept turns nc, counted for peer p, into a session: handshake, hub,
// AfterAccept. The caller runs c.readLoop; the count ends when the
// connection is untracked, or here when accept fails.
func (e *Endpoint) accept(nc net.Conn, p *peer) (c *conn, err error) {
	tracked := false
	defer func() {
		if !tracked {
			e.peers.close(p)
		}
	}()
	if e.closing.Load() {
		nc.Close()
		return nil, ErrServerClosed
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(e.ctx, e.cfg.HandshakeTimeout)
	defer cancel()
	if hs, ok := nc.(transport.Handshaker); ok {
		if err := hs.HandshakeContext(ctx); err != nil {
			nc.Close()
			e.logPeer(slog.LevelWarn, "rpc: handshake failed", "", "remote", nc.RemoteAddr().String(), "err", err)
			return nil, WrapStatus(CodeConnClosed, "handshake", err)
		}
	}
	nc, br, format, err := e.pickFormat(ctx, nc, e.newReader(nc))
	if err != nil {
		nc.Close()
		if errors.Is(err, errUpgrade) { // the upgrader answered the peer
			e.logPeer(slog.LevelDebug, "rpc: upgrade refused", "", "remote", nc.RemoteAddr().String(), "err", err)
		} else {
			e.logPeer(slog.LevelWarn, "rpc: connection speaks no served format; closed", "", "remote", nc.RemoteAddr().String(), "err", err)
		}
		return nil, WrapStatus(CodeBadMessage, "", err)
	}
	s := newSession(e, false, "")
	s.peer = p
	c = newConn(s, nc, br, format)
	if ft := e.cfg.FirstFrameTimeout; ft > 0 {
		c.firstBy = start.Add(ft)
	}
	if !e.trackConn(c) {
		nc.Close()
		s.cancel()
		return nil, ErrServerClosed
	}
	tracked = true // untrackConn ends the count
	// The session is published (hub, Broadcast, calls) only once the
	// AfterAccept hooks let it in.
	s.id = nc.RemoteAddr().String()
	if err := runHook(e.plugins.afterAccept, AfterAcceptHook.AfterAccept, s); err != nil {
		st := StatusOf(err)
		e.logPeer(slog.LevelWarn, "rpc: session refused by AfterAccept", "", "remote", nc.RemoteAddr().String(), "err", err)
		c.abort(st) // the flusher writes the error to the peer, then closes
		s.closeFinal(st)
		e.untrackConn(c)
		return nil, st
	}
	e.hub.add(s, s.id)
	s.install(c)
	return c, nil
}
