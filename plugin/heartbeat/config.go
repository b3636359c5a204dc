package heartbeat

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Default values of the Config fields whose zero value means "default".
const (
	DefaultInterval = 15 * time.Second
	DefaultMisses   = 3
	DefaultPath     = "/heartbeat"
)

// MinInterval is the shortest Interval a Config may ask for: the watcher
// looks at every session four times per interval, and a shorter one would
// spin.
const MinInterval = time.Millisecond

// Config sets up a [Heartbeat]. The zero value works: every field documents
// what zero means. Both sides of a session should use the same Interval and
// Misses; neither needs the other to run the plugin at all.
type Config struct {
	// Interval is how long a session may go without receiving anything
	// before this side pings the peer, and the time between pings while
	// the silence lasts. Real traffic (any frame received: a call, reply,
	// push, cancel or go-away) counts as well as a ping's reply, so a busy
	// session sends no pings. Zero means DefaultInterval (15 s); anything
	// below MinInterval is refused.
	Interval time.Duration
	// Misses is how many intervals of silence close a connection: a peer
	// from which nothing arrived for Misses×Interval (after Misses-1
	// unanswered pings) is taken for gone. Zero means DefaultMisses (3);
	// 1 is refused, as the peer would have no time to answer a ping.
	Misses int
	// Path is the route pings are sent to, and that this side answers
	// (calls and pushes, with nothing). Zero means DefaultPath
	// ("/heartbeat"). Both sides should agree on it, but need not: a peer
	// that answers a ping with "not found" has answered all the same.
	Path string
}

// DefaultConfig returns a Config with every default written out.
func DefaultConfig() Config {
	var c Config
	c.fill()
	return c
}

// Validate reports every field that cannot work, joined.
func (c Config) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf("heartbeat: config: "+format, args...))
		}
	}
	check(c.Interval == 0 || c.Interval >= MinInterval, "Interval %v is below %v", c.Interval, MinInterval)
	check(c.Misses >= 0, "Misses %d is negative", c.Misses)
	check(c.Misses != 1, "Misses 1 leaves a peer no time to answer a ping; use 2 or more")
	check(c.Path == "" || strings.HasPrefix(c.Path, "/"), "Path %q does not start with /", c.Path)
	return errors.Join(errs...)
}

// fill writes the defaults into the fields left zero.
func (c *Config) fill() {
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.Misses == 0 {
		c.Misses = DefaultMisses
	}
	if c.Path == "" {
		c.Path = DefaultPath
	}
}
