//go:build linux

package supervisortest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// Transition is one state change of one process, as either daemon reports
// it: supervisord to an event listener, procman to a subscriber.
type Transition struct {
	// Process is "group:name".
	Process string
	// From and To are the states' names, as supervisorctl prints them.
	From, To string
	// Expected is, for EXITED, "expected" or "unexpected"; otherwise "".
	Expected string
}

// String returns "FROM>TO", with "(expected)" or "(unexpected)" after an
// EXITED.
func (t Transition) String() string {
	s := t.From + ">" + t.To
	if t.Expected != "" {
		s += "(" + t.Expected + ")"
	}
	return s
}

// Recorder keeps the transitions of every process, in the order they came,
// and lets a caller wait for one. It is safe for concurrent use; the zero
// value is ready.
type Recorder struct {
	mu      sync.Mutex
	seq     map[string][]Transition
	changed chan struct{} // closed and replaced at every Add
}

// Add records t.
func (r *Recorder) Add(t Transition) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seq == nil {
		r.seq = make(map[string][]Transition)
	}
	r.seq[t.Process] = append(r.seq[t.Process], t)
	if r.changed != nil {
		close(r.changed)
		r.changed = nil
	}
}

// Sequence returns the transitions of process so far.
func (r *Recorder) Sequence(process string) []Transition {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Transition(nil), r.seq[process]...)
}

// Snapshot returns the transitions of every process so far.
func (r *Recorder) Snapshot() map[string][]Transition {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := make(map[string][]Transition, len(r.seq))
	for p, ts := range r.seq {
		m[p] = append([]Transition(nil), ts...)
	}
	return m
}

// Wait returns once process has entered state to n times, or with ctx's
// error and the sequence so far.
func (r *Recorder) Wait(ctx context.Context, process, to string, n int) error {
	for {
		r.mu.Lock()
		count := 0
		for _, t := range r.seq[process] {
			if t.To == to {
				count++
			}
		}
		if count >= n {
			r.mu.Unlock()
			return nil
		}
		if r.changed == nil {
			r.changed = make(chan struct{})
		}
		ch := r.changed
		seq := append([]Transition(nil), r.seq[process]...)
		r.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("supervisortest: %s did not enter %s %d times (so far %v): %w", process, to, n, seq, ctx.Err())
		}
	}
}

// ListenEvents listens on the unix socket path for the listener children
// (the "listener" mode) of a supervisord and adds every transition they
// send to r. The returned func stops listening and waits until what the
// connections sent so far is recorded.
func ListenEvents(path string, r *Recorder) (stop func() error, err error) {
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("supervisortest: %w", err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = make(map[net.Conn]bool)
		errs  []error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					f := strings.Fields(sc.Text())
					if len(f) != 4 {
						mu.Lock()
						errs = append(errs, fmt.Errorf("supervisortest: bad event line %q", sc.Text()))
						mu.Unlock()
						continue
					}
					t := Transition{Process: f[0], From: f[1], To: f[2]}
					switch f[3] {
					case "1":
						t.Expected = "expected"
					case "0":
						t.Expected = "unexpected"
					}
					r.Add(t)
				}
			}()
		}
	}()
	return func() error {
		l.Close()
		// What a listener sent before it ended is read to its end; one
		// that is still connected gets a moment.
		mu.Lock()
		for c := range conns {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
		}
		mu.Unlock()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return errors.Join(errs...)
	}, nil
}
