package rpc

import (
	"sync"
	"time"
)

// logRate lets through at most logBurst lines a second for each kind of
// refusal, so that a flood of bad calls cannot flood the log. The next line
// let through says how many were held back.
type logRate struct {
	mu    sync.Mutex
	kinds map[Code]*logWindow
}

type logWindow struct {
	start      time.Time
	n          int
	suppressed int
}

const logBurst = 10

// allow reports whether a line of this kind may be written now, and how
// many lines of the kind were held back since the last one.
func (l *logRate) allow(kind Code) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.kinds == nil {
		l.kinds = make(map[Code]*logWindow)
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
	ok, held := c.ep.refusals.allow(st.Code())
	if !ok {
		return
	}
	args := []any{"type", in.w.Type.String(), "method", in.w.Method, "remote", c.remote(), "code", st.Code().String(), "err", st.Message()}
	if held > 0 {
		args = append(args, "suppressed", held)
	}
	c.ep.log.Warn("rpc: refused", args...)
}
