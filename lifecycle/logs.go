package lifecycle

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// logRing is how many recent log lines an app keeps for its status page.
const logRing = 200

// logHub is the writer of the app's log handler. It writes each line at or
// above the app's level to the log's destination and keeps the last ones,
// and hands each line to the ctl clients following the log at their own
// level. The handler's level is the lowest that anyone wants, so a
// follower at debug gets debug lines while the file does not.
type logHub struct {
	dest  io.Writer
	app   *slog.LevelVar // the level of the file
	least *slog.LevelVar // the handler's: min(app, followers)

	mu   sync.Mutex
	ring []string
	next int
	subs map[*logSub]struct{}
}

// logSub is one follower of the log.
type logSub struct {
	level   slog.Level
	lines   chan string
	dropped int // guarded by the hub's mu
}

func newLogHub(dest io.Writer, debug bool) *logHub {
	h := &logHub{dest: dest, app: new(slog.LevelVar), least: new(slog.LevelVar), subs: make(map[*logSub]struct{})}
	h.setDebug(debug)
	return h
}

// handler returns a text handler that writes through the hub.
func (h *logHub) handler() slog.Handler {
	return slog.NewTextHandler(h, &slog.HandlerOptions{Level: h.least})
}

// setDebug switches the app's level between debug and info.
func (h *logHub) setDebug(on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if on {
		h.app.Set(slog.LevelDebug)
	} else {
		h.app.Set(slog.LevelInfo)
	}
	h.updateLeast()
}

// debug reports whether the app logs at debug level.
func (h *logHub) debug() bool { return h.app.Level() <= slog.LevelDebug }

// updateLeast sets the handler's level; the caller holds mu.
func (h *logHub) updateLeast() {
	least := h.app.Level()
	for s := range h.subs {
		least = min(least, s.level)
	}
	h.least.Set(least)
}

// Write takes one line from the handler (slog's handlers write a record
// in one Write).
func (h *logHub) Write(p []byte) (int, error) {
	level := lineLevel(p)
	h.mu.Lock()
	defer h.mu.Unlock()
	var err error
	if level >= h.app.Level() {
		_, err = h.dest.Write(p)
		line := strings.TrimSuffix(string(p), "\n")
		if len(h.ring) < logRing {
			h.ring = append(h.ring, line)
		} else {
			h.ring[h.next] = line
			h.next = (h.next + 1) % logRing
		}
	}
	for s := range h.subs {
		if level < s.level {
			continue
		}
		select {
		case s.lines <- string(p):
		default:
			s.dropped++
		}
	}
	return len(p), err
}

// recent returns the last lines written to the log, oldest first.
func (h *logHub) recent(n int) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := append(append([]string(nil), h.ring[h.next:]...), h.ring[:h.next]...)
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return out
}

// follow adds a follower at level.
func (h *logHub) follow(level slog.Level) *logSub {
	s := &logSub{level: level, lines: make(chan string, 256)}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs[s] = struct{}{}
	h.updateLeast()
	return s
}

// unfollow removes a follower and returns how many lines it missed.
func (h *logHub) unfollow(s *logSub) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, s)
	h.updateLeast()
	return s.dropped
}

// lineLevel reads the level of a line of slog's text handler.
func lineLevel(p []byte) slog.Level {
	i := bytes.Index(p, []byte(" level="))
	if i < 0 {
		return slog.LevelInfo
	}
	rest := p[i+len(" level="):]
	if j := bytes.IndexByte(rest, ' '); j >= 0 {
		rest = rest[:j]
	}
	var l slog.Level
	if l.UnmarshalText(rest) != nil {
		return slog.LevelInfo
	}
	return l
}

// parseLevel reads a level name as ctl's log command takes it.
func parseLevel(s string) (slog.Level, bool) {
	switch strings.ToLower(s) {
	case "", "all", "debug", "debu", "dev", "develop":
		return slog.LevelDebug, true
	case "info", "noti", "notice":
		return slog.LevelInfo, true
	case "warn", "warning", "prod", "product":
		return slog.LevelWarn, true
	case "error", "erro", "crit", "critical":
		return slog.LevelError, true
	}
	return 0, false
}
