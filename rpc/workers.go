package rpc

import (
	"sync"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// maxIdleWorkers caps the workers that wait for the next handler; more
// end when their handler returns.
const maxIdleWorkers = 512

// workerPool runs handlers on goroutines that outlive one handler, so that
// a call neither starts a goroutine nor grows a fresh one's stack: decoding
// a protobuf argument grows a new goroutine's stack several times, which
// took 14% of a benchmark server's CPU. Idle workers wait last in, first
// out, so the warmest takes the next handler. Workers belong to the
// endpoint: Close ends the idle ones, and a busy one ends when its handler
// returns.
type workerPool struct {
	mu     sync.Mutex
	idle   []chan *inbound // each waits on its own channel, of capacity 1
	closed bool
}

// run starts in's handler on an idle worker, or on a new one.
func (p *workerPool) run(in *inbound) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		ch := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		ch <- in // never blocks: the channel is empty and has room for one
		return
	}
	p.mu.Unlock()
	go p.work(in)
}

// work runs handlers until the pool has workers enough or is closed.
func (p *workerPool) work(in *inbound) {
	var next chan *inbound
	for {
		c := in.conn
		if in.w.Type == wire.TypeCall {
			c.serveWorkerCall(in)
		} else {
			c.servePush(in)
		}
		if next == nil {
			next = make(chan *inbound, 1)
		}
		p.mu.Lock()
		if p.closed || len(p.idle) >= maxIdleWorkers {
			p.mu.Unlock()
			return
		}
		p.idle = append(p.idle, next)
		p.mu.Unlock()
		if in = <-next; in == nil {
			return // the pool closed
		}
	}
}

// close ends the idle workers, and the busy ones once their handler
// returns.
func (p *workerPool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, ch := range idle {
		ch <- nil
	}
}
