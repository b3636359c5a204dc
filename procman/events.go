package procman

import "sync"

// maxQueued is the most events a subscriber that does not keep up can be
// behind; past it the oldest are dropped, and the supervisor logs it.
const maxQueued = 10000

// hub delivers events to subscribers without blocking the supervisor:
// each subscriber has a queue of its own, emptied by a goroutine that the
// supervisor owns.
type hub struct {
	sup  *Supervisor
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

type subscriber struct {
	ch      chan Event
	mu      sync.Mutex
	queue   []Event
	dropped int
	wake    chan struct{}
	done    chan struct{}
	once    sync.Once
}

// publish queues ev for every subscriber.
func (h *hub) publish(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		s.mu.Lock()
		if len(s.queue) >= maxQueued {
			s.queue = s.queue[1:]
			s.dropped++
		}
		s.queue = append(s.queue, ev)
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// subscribe adds a subscriber; see Supervisor.Subscribe.
func (h *hub) subscribe() (<-chan Event, func()) {
	s := &subscriber{ch: make(chan Event), wake: make(chan struct{}, 1), done: make(chan struct{})}
	cancel := func() { s.once.Do(func() { close(s.done) }) }
	h.mu.Lock()
	if h.subs == nil {
		h.subs = make(map[*subscriber]struct{})
	}
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	if !h.sup.owner.start(func() { h.deliver(s) }) {
		h.remove(s)
		close(s.ch)
	}
	return s.ch, cancel
}

func (h *hub) remove(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, s)
}

// deliver sends a subscriber's events in order until it cancels or the
// supervisor closes; then it closes the channel.
func (h *hub) deliver(s *subscriber) {
	defer close(s.ch)
	defer h.remove(s)
	for {
		s.mu.Lock()
		batch := s.queue
		s.queue = nil
		dropped := s.dropped
		s.dropped = 0
		s.mu.Unlock()
		if dropped > 0 {
			h.sup.log.Warn("procman: a subscriber fell behind; events dropped", "dropped", dropped)
		}
		for _, ev := range batch {
			select {
			case s.ch <- ev:
			case <-s.done:
				return
			case <-h.sup.closed:
				return
			}
		}
		select {
		case <-s.wake:
		case <-s.done:
			return
		case <-h.sup.closed:
			return
		}
	}
}
