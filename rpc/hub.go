package rpc

import (
	"fmt"
	"strconv"
	"sync"
)

// hub holds an endpoint's live sessions by id.
type hub struct {
	mu sync.RWMutex
	m  map[string]*Session
	n  uint64
}

// add stores s under id, or under id#n when id is empty or taken.
func (h *hub) add(s *Session, id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = make(map[string]*Session)
	}
	if _, taken := h.m[id]; taken || id == "" {
		for {
			h.n++
			cand := id + "#" + strconv.FormatUint(h.n, 10)
			if _, taken := h.m[cand]; !taken {
				id = cand
				break
			}
		}
	}
	s.id = id
	h.m[id] = s
}

func (h *hub) remove(s *Session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m[s.id] == s {
		delete(h.m, s.id)
	}
}

func (h *hub) rename(s *Session, id string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if id == s.id {
		return nil
	}
	if _, taken := h.m[id]; taken {
		return fmt.Errorf("rpc: session id %q is taken", id)
	}
	if h.m[s.id] == s {
		delete(h.m, s.id)
		h.m[id] = s
	}
	s.id = id
	return nil
}

func (h *hub) get(id string) (*Session, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	s, ok := h.m[id]
	return s, ok
}

func (h *hub) count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.m)
}

func (h *hub) all() []*Session {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]*Session, 0, len(h.m))
	for _, s := range h.m {
		out = append(out, s)
	}
	return out
}
