package kcp

import "net"

// ListenerCounts returns, for a listener of this package, its half-open
// sessions now, and how many sessions it took from kcp-go and dropped over
// MaxHalfOpen since it started.
func ListenerCounts(nl net.Listener) (halfOpen int, seen, dropped uint64) {
	l := nl.(*listener)
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.halfOpen, l.seen, l.dropped
}
