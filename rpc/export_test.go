package rpc

import "time"

// HandlerRunsInline reports whether a reader may run the call handler at
// path in its own goroutine (inline.go), for tests.
func HandlerRunsInline(e *Endpoint, path string) bool {
	return e.router.lookup(path, false).quick()
}

// SetHandlerSlowRuns sets how many quick runs the call handler at path
// needs before a reader runs it again, for tests that must not wait for
// the 1024 of slowRuns.
func SetHandlerSlowRuns(e *Endpoint, path string, n int32) {
	e.router.lookup(path, false).slow.Store(n)
}

// SetQuickRun sets how long a handler's run may take and count as quick
// (inlineQuick), for tests whose machine may be slower than that.
func SetQuickRun(e *Endpoint, d time.Duration) { e.quickRun.Store(int64(d)) }
