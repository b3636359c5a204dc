package rpc

import "sync"

// owner starts every goroutine an endpoint owns, and is what Close waits
// for. Read this file to know what runs: nothing else in the package says
// "go" but the worker pool (workers.go), whose goroutines run handlers.
//
// Close waits for exactly these, each counted from its start to its end:
//   - each connection's flusher (writer.loop), started with the connection;
//   - each connection's reader (conn.readLoop), which runs in the goroutine
//     that accepted or dialed the connection or in one of its own;
//   - each session's redial loop (Endpoint.redialLoop);
//   - each AsyncCall.
//
// Handlers are not waited for: like net/http's, they may outlive Close,
// whose contexts tell them to stop. A reader runs some calls' handlers
// itself (inline.go); if the handler runs long, a new goroutine takes the
// reading over, and with it the reader's place in the count: the place
// passes to the new goroutine with no Add or Done (takeOver), and the
// goroutine left running the handler becomes a handler goroutine. If Close
// finds a reader running a handler, it ends that reader's place itself
// (abandonReader), for the handler may run on.
//
// Once stop has run no goroutine starts: the starters report false, and
// the caller cleans up in its own goroutine.
type owner struct {
	mu      sync.Mutex
	stopped bool
	wg      sync.WaitGroup
}

// start runs f in a goroutine that Close waits for, unless stop ran.
func (o *owner) start(f func()) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.stopped {
		return false
	}
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		f()
	}()
	return true
}

// startReader runs read, a connection's reader, in a goroutine that holds
// a reader's place, unless stop ran. read reports whether it passed the
// place on (see takeOver) before it returned: the goroutine then leaves
// without giving it back.
func (o *owner) startReader(read func() (passedOn bool)) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.stopped {
		return false
	}
	o.wg.Add(1)
	go func() {
		if !read() {
			o.wg.Done()
		}
	}()
	return true
}

// takeOver starts take in a new goroutine that may take over the place of
// a reader whose goroutine runs a handler, unless stop ran. take reports
// whether it took the place and, having taken it, whether it passed it on
// again; a goroutine that did not take it (the handler returned first, and
// its goroutine reads on) leaves without touching the count.
func (o *owner) takeOver(take func() (took, passedOn bool)) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.stopped {
		return false
	}
	go func() {
		if took, passedOn := take(); took && !passedOn {
			o.wg.Done()
		}
	}()
	return true
}

// abandonReader ends the place of a reader whose goroutine runs a handler
// that Close does not wait for; the goroutine returns without reading.
func (o *owner) abandonReader() { o.wg.Done() }

// stop makes the starters refuse from now on.
func (o *owner) stop() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.stopped = true
}

// wait waits for every goroutine started before stop.
func (o *owner) wait() { o.wg.Wait() }
