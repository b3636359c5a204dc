package rpc

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// logRate lets through at most logBurst lines a second of each kind, so
// that a peer cannot flood the log: every line a peer can cause (a bad
// frame, a refused call, a lost connection, a panicking handler) goes
// through it. The next line let through says how many were held back.
type logRate struct {
	mu    sync.Mutex
	kinds map[string]*logWindow
}

type logWindow struct {
	start      time.Time
	n          int
	suppressed int
}

const logBurst = 10

// allow reports whether a line of this kind may be written now, and how
// many lines of the kind were held back since the last one.
func (l *logRate) allow(kind string) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.kinds == nil {
		l.kinds = make(map[string]*logWindow)
	}
	w := l.kinds[kind]
	if w == nil {
		w = &logWindow{}
		l.kinds[kind] = w
	}
	now := time.Now()
	if now.Sub(w.start) >= time.Second {
		w.start, w.n = now, 0
	}
	if w.n >= logBurst {
		w.suppressed++
		return false, 0
	}
	w.n++
	held := w.suppressed
	w.suppressed = 0
	return true, held
}

// logRefused writes one line for a call or push refused before its
// handler ran: unknown method, undecodable body, overload, a deadline that
// passed while it waited. With Config.LogCalls the per-call line says it
// instead.
func (c *conn) logRefused(in *inbound, st *Status) {
	if c.ep.cfg.LogCalls && in.w.Type == TypeCall {
		return
	}
	c.ep.logPeer(slog.LevelWarn, "rpc: refused", st.Code().String(),
		"type", in.w.Type.String(), "method", in.w.Method, "remote", c.remote(), "code", st.Code().String(), "err", st.Message())
}

// logPeer writes a log line that a peer can cause, through the endpoint's
// rate limit for lines with that message (and kind, when a message has
// several kinds).
func (e *Endpoint) logPeer(level slog.Level, msg, kind string, args ...any) {
	ctx := context.Background()
	if !e.log.Enabled(ctx, level) {
		return
	}
	ok, held := e.peerLogs.allow(msg + "\x00" + kind)
	if !ok {
		return
	}
	if held > 0 {
		args = append(args, "suppressed", held)
	}
	e.log.Log(ctx, level, msg, args...)
}
