package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/dmicro-go/dmicro/procman"
)

// tailHead is how much of a log /logtail sends before it follows, as
// supervisord's tail_f_producer does.
const tailHead = 1024

// flusher writes to an http.ResponseWriter and flushes each write, so that
// a follower sees each line as it comes.
type flusher struct{ w http.ResponseWriter }

func (f flusher) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if fl, ok := f.w.(http.Flusher); ok {
		fl.Flush()
	}
	return n, err
}

// logtail serves GET /logtail/NAME[/stdout|/stderr]: the end of a process's
// log, then what it prints, until the client goes (supervisorctl tail -f).
func (h *handler) logtail(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	rest := strings.TrimLeft(strings.TrimPrefix(r.URL.Path, "/logtail/"), "/")
	spec, channel, ok := strings.Cut(rest, "/")
	if !ok {
		channel = "stdout"
	}
	stream := procman.Stdout
	switch channel {
	case "stdout":
	case "stderr":
		stream = procman.Stderr
	default:
		http.NotFound(w, r)
		return
	}
	info, err := h.infoOf(spec)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if _, err := h.sup.ReadLog(info.FullName, stream, -1, 0); err != nil {
		http.NotFound(w, r)
		return
	}
	h.stream(w, r, func(ctx context.Context, fw flusher) error {
		return h.sup.FollowLog(ctx, info.FullName, stream, tailHead, fw)
	})
}

// mainlogtail serves GET /mainlogtail: the daemon's own log, followed.
func (h *handler) mainlogtail(w http.ResponseWriter, r *http.Request) {
	if h.cfg.MainLog == nil {
		http.NotFound(w, r)
		return
	}
	h.stream(w, r, func(ctx context.Context, fw flusher) error { return h.cfg.MainLog.TailFollow(ctx, fw, tailHead) })
}

// stream sends what follow writes (the log's last tailHead bytes, then
// what is written to it), chunked, until the client goes away or the log
// ends.
func (h *handler) stream(w http.ResponseWriter, r *http.Request, follow func(context.Context, flusher) error) {
	w.Header().Set("Content-Type", "text/plain;charset=utf-8")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fw := flusher{w}
	fw.Write(nil) // flushes: the answer is chunked, as supervisorctl's tail -f wants, however short the head

	if err := follow(r.Context(), fw); err != nil && !errors.Is(err, context.Canceled) && h.cfg.Logger != nil {
		h.cfg.Logger.Debug("api: logtail ended", "path", r.URL.Path, "err", err)
	}
}
