package event

import (
	"fmt"
	"strings"
)

// A topic is one or more segments joined by dots, such as
// "rpc.session.connected". A segment is one or more bytes other than the
// dot, the asterisk, space and the ASCII control characters; any other
// UTF-8 is allowed.

// anySegment and anyDepth are the wildcard segments of a pattern.
const (
	anySegment = "*"
	anyDepth   = "**"
)

// checkTopic returns nil when topic is a valid topic, else an error
// wrapping ErrBadTopic that names it.
func checkTopic(topic string) error {
	if why := topicFault(topic, false); why != "" {
		return fmt.Errorf("%w %q: %s", ErrBadTopic, topic, why)
	}
	return nil
}

// validTopic reports whether topic is a valid topic, without allocating.
func validTopic(topic string) bool { return topicFault(topic, false) == "" }

// topicFault says what is wrong with a topic, or with a pattern when
// wild is set (which allows the wildcard segments); "" means nothing.
func topicFault(s string, wild bool) string {
	if s == "" {
		return "empty"
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			c := s[i]
			if c <= ' ' || c == 0x7f {
				return "space or control character"
			}
			if c == '*' && !wild {
				return "'*' is only for patterns"
			}
			continue
		}
		seg := s[start:i]
		switch {
		case seg == "":
			return "empty segment"
		case !wild || strings.IndexByte(seg, '*') < 0:
		case seg == anySegment:
		case seg == anyDepth && i == len(s):
		case seg == anyDepth:
			return `"**" must be the last segment`
		default:
			return `a wildcard must be a whole segment, "*" or "**"`
		}
		start = i + 1
	}
	return ""
}

// pattern is a parsed subscription pattern.
type pattern struct {
	raw  string
	segs []string // literal segments, "*" and a final "**"
	wild bool     // it has a wildcard segment
}

// parsePattern parses a subscription pattern. The lone "*" means the same
// as "**": every topic.
func parsePattern(s string) (pattern, error) {
	if why := topicFault(s, true); why != "" {
		return pattern{}, fmt.Errorf("%w: pattern %q: %s", ErrBadTopic, s, why)
	}
	p := pattern{raw: s, segs: strings.Split(s, ".")}
	if s == anySegment {
		p.segs = []string{anyDepth}
	}
	for _, seg := range p.segs {
		if seg == anySegment || seg == anyDepth {
			p.wild = true
		}
	}
	return p, nil
}

// head returns the first segment of a pattern: the key of its index
// bucket, or "" when it starts with a wildcard.
func (p *pattern) head() string {
	if p.segs[0] == anySegment || p.segs[0] == anyDepth {
		return ""
	}
	return p.segs[0]
}

// match reports whether the valid topic matches the pattern. It does not
// allocate.
func (p *pattern) match(topic string) bool {
	rest := topic
	for _, seg := range p.segs {
		if seg == anyDepth {
			return rest != "" // one or more segments
		}
		if rest == "" {
			return false
		}
		first := rest
		if i := strings.IndexByte(rest, '.'); i >= 0 {
			first, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if seg != anySegment && seg != first {
			return false
		}
	}
	return rest == ""
}

// topicHead returns the first segment of a topic.
func topicHead(topic string) string {
	if i := strings.IndexByte(topic, '.'); i >= 0 {
		return topic[:i]
	}
	return topic
}
