//go:build unix

package lifecycle

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/dmicro-go/dmicro/procman"
)

// child is one generation of a service's process: a procman program, and
// the pipe on which its processes report ready (or why they failed). The
// master keeps the write end open, since procman hands the same files to
// every process the program restarts.
type child struct {
	svc  *serviceProcs
	prog string // the program's name, and its process's
	full string // procman's name of the process, "prog:prog"
	r, w *os.File
	once sync.Once // closes the pipe

	mu      sync.Mutex
	waiter  *waiter   // a start waiting for the ready report
	readyAt time.Time // when a process of the program last reported ready
}

// waiter is a start that waits for its process's report.
type waiter struct {
	since   time.Time // events before it are of earlier processes
	reports chan report
}

// report is what a waiter learns: from the pipe (ready, failed, the sync
// mark) or from procman's events (started, exited).
type report struct {
	kind int
	pid  int
	err  error
}

const (
	reportStarted = iota
	reportReady
	reportFailed
	reportExited
	reportSync
)

// syncMark is the line the master writes into a child's pipe once the
// child has exited: what the child wrote before it exited comes before
// it, so a failure it reported is read before the mark.
const syncMark = "sync"

var errStopping = errors.New("the app is stopping")

// expect registers a waiter for the next process of ch.
func (ch *child) expect() *waiter {
	w := &waiter{since: time.Now(), reports: make(chan report, 16)}
	ch.mu.Lock()
	ch.waiter = w
	ch.mu.Unlock()
	return w
}

func (ch *child) expectNone() {
	ch.mu.Lock()
	ch.waiter = nil
	ch.mu.Unlock()
}

// tell passes a report to the waiter, if there is one.
func (ch *child) tell(rep report, at time.Time) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if rep.kind == reportReady {
		ch.readyAt = at
	}
	w := ch.waiter
	if w == nil || at.Before(w.since) {
		return
	}
	select {
	case w.reports <- rep:
	default: // it has what it needs already
	}
}

// readySince reports whether a process of ch reported ready at or after t.
func (ch *child) readySince(t time.Time) bool {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return !ch.readyAt.IsZero() && !ch.readyAt.Before(t)
}

// onEvent turns a procman event of ch's process into a report.
func (ch *child) onEvent(ev procman.Event) {
	switch ev.State {
	case procman.StateStarting:
		if ev.Pid > 0 {
			ch.tell(report{kind: reportStarted, pid: ev.Pid}, ev.Time)
		}
	case procman.StateBackoff, procman.StateExited, procman.StateStopped, procman.StateFatal:
		ch.tell(report{kind: reportExited, pid: ev.Pid, err: exitReason(ev)}, ev.Time)
	}
}

// readReports reads the reports of ch's processes until the pipe closes.
func (ch *child) readReports() {
	br := bufio.NewReader(ch.r)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "ready":
			ch.tell(report{kind: reportReady}, time.Now())
		case line == syncMark:
			ch.tell(report{kind: reportSync}, time.Now())
		case strings.HasPrefix(line, "error "):
			ch.tell(report{kind: reportFailed, err: errors.New(strings.TrimPrefix(line, "error "))}, time.Now())
		}
	}
}

// closePipe closes both ends of ch's pipe, which ends its reader.
func (ch *child) closePipe() {
	ch.once.Do(func() {
		ch.w.Close()
		ch.r.Close()
	})
}

// childOutput is the slog.Handler through which procman hands the master
// each line a child prints: the line goes into the app's log as it is
// (a child logs in the same text format, its level read from the line),
// not wrapped in a record of its own.
type childOutput struct{ hub *logHub }

func (h childOutput) Enabled(context.Context, slog.Level) bool { return true }

func (h childOutput) Handle(_ context.Context, rec slog.Record) error {
	_, err := h.hub.Write([]byte(rec.Message + "\n"))
	return err
}

func (h childOutput) WithAttrs([]slog.Attr) slog.Handler { return h }

func (h childOutput) WithGroup(string) slog.Handler { return h }
