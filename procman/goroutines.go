package procman

import "sync"

// goroutines starts the goroutines a Supervisor owns and waits for them:
// each process's runner, the copies of its output, the subscribers'
// deliveries and, on Linux, the reaper. Once stop has run it starts none.
type goroutines struct {
	mu      sync.Mutex
	stopped bool
	wg      sync.WaitGroup
}

// start runs f in a goroutine, unless stop ran.
func (g *goroutines) start(f func()) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return false
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		f()
	}()
	return true
}

func (g *goroutines) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stopped = true
}

func (g *goroutines) wait() { g.wg.Wait() }
