package rpc

// HandlerRunsInline reports whether a reader may run the call handler at
// path in its own goroutine (inline.go), for tests.
func HandlerRunsInline(e *Endpoint, path string) bool {
	return e.router.lookup(path, false).quick()
}
