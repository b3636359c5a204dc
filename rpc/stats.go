package rpc

import (
	"bufio"
	"net"
	"sync/atomic"
	"time"
)

// Stats is a snapshot of an endpoint's traffic and work, for metrics: a
// plugin reads it when it is scraped instead of counting in a hook at
// every call.
type Stats struct {
	// BytesRead and BytesWritten count the bytes read from and written
	// to the endpoint's connections since it was made: whole frames,
	// headers included, on every connection, closed ones too. They only
	// grow. On a connection that an Upgrader unwrapped (websocket), they
	// are the bytes of the unwrapped stream.
	BytesRead, BytesWritten uint64
	// CallsWaiting is the number of calls the endpoint sent that wait
	// for their replies now.
	CallsWaiting int
	// Handling is the number of calls and pushes the endpoint received
	// whose handlers run or wait to run now.
	Handling int
	// Connections is the number of open connections.
	Connections int
}

// Stats returns a snapshot of the endpoint's traffic and work. The byte
// counts cost the endpoint one atomic addition per read and per write
// system call (a write carries many frames under load); the gauges are
// added up over the connections when Stats is called.
func (e *Endpoint) Stats() Stats {
	st := Stats{BytesRead: e.bytesRead.Load(), BytesWritten: e.bytesWritten.Load()}
	e.mu.Lock()
	defer e.mu.Unlock()
	for c := range e.conns {
		st.CallsWaiting += int(c.npending.Load())
		st.Handling += int(c.active.Load())
	}
	st.Connections = len(e.conns)
	return st
}

// countingReader counts into n the bytes read through it.
type countingReader struct {
	nc net.Conn
	n  *atomic.Uint64
}

func (r countingReader) Read(p []byte) (int, error) {
	n, err := r.nc.Read(p)
	r.n.Add(uint64(n))
	return n, err
}

// newReader returns the buffered reader a connection's frames are read
// through, counting into e's BytesRead.
func (e *Endpoint) newReader(nc net.Conn) *bufio.Reader {
	return bufio.NewReaderSize(countingReader{nc: nc, n: &e.bytesRead}, 32<<10)
}

// now returns the time on the endpoint's monotonic clock: one clock read,
// where time.Now reads the wall clock too. at turns it into a time.Time.
func (e *Endpoint) now() time.Duration { return time.Since(e.epoch) }

// at returns the time.Time of d on the endpoint's monotonic clock; its
// wall clock reading is the one at NewEndpoint advanced by d.
func (e *Endpoint) at(d time.Duration) time.Time { return e.epoch.Add(d) }
