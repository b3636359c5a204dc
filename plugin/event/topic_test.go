package event

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestPatternMatch(t *testing.T) {
	cases := []struct {
		pattern, topic string
		want           bool
	}{
		{"a", "a", true},
		{"a", "b", false},
		{"a", "a.b", false},
		{"a.b", "a.b", true},
		{"a.b", "a.bc", false},
		{"a.b", "a", false},
		{"a.*", "a.b", true},
		{"a.*", "a", false},
		{"a.*", "a.b.c", false},
		{"a.*", "b.c", false},
		{"*.b", "a.b", true},
		{"*.b", "a.c", false},
		{"*.b", "b", false},
		{"a.*.c", "a.b.c", true},
		{"a.*.c", "a.b.d", false},
		{"a.*.c", "a.c", false},
		{"*.*", "a.b", true},
		{"*.*", "a", false},
		{"a.**", "a", false},
		{"a.**", "a.b", true},
		{"a.**", "a.b.c.d", true},
		{"a.**", "ab.c", false},
		{"a.b.**", "a.b.c", true},
		{"a.b.**", "a.c.c", false},
		{"*.b.**", "x.b.c", true},
		{"*.b.**", "x.b", false},
		{"**", "a", true},
		{"**", "a.b.c", true},
		{"*", "a", true},
		{"*", "a.b.c", true}, // the lone "*" is DMicro's "every topic"
		{"rpc.call.*", "rpc.call.served", true},
		{"rpc.call.*", "rpc.session.connected", false},
		{"rpc.**", "rpc.session.connected", true},
		{"rpc.**", "rpcx.session", false},
		{"ünï.*", "ünï.cödé", true},
	}
	for _, c := range cases {
		p, err := parsePattern(c.pattern)
		if err != nil {
			t.Fatalf("parsePattern(%q): %v", c.pattern, err)
		}
		if err := checkTopic(c.topic); err != nil {
			t.Fatalf("checkTopic(%q): %v", c.topic, err)
		}
		if got := p.match(c.topic); got != c.want {
			t.Errorf("%q matches %q = %v, want %v", c.pattern, c.topic, got, c.want)
		}
	}
}

func TestBadTopics(t *testing.T) {
	badBoth := []string{"", ".", "a.", ".a", "a..b", "a b", "a\tb", "a\nb", "a\x7fb", "a\x00"}
	badPatterns := append([]string{"a*", "*a", "a.b*", "***", "**.b", "a.**.c", "a.*b.c"}, badBoth...)
	badTopics := append([]string{"*", "**", "a.*", "a.**", "a*"}, badBoth...)
	for _, p := range badPatterns {
		_, err := parsePattern(p)
		if !errors.Is(err, ErrBadTopic) {
			t.Errorf("pattern %q: err %v, want ErrBadTopic", p, err)
			continue
		}
		if !strings.Contains(err.Error(), strconv.Quote(p)) {
			t.Errorf("pattern %q: error %q does not name it", p, err)
		}
	}
	for _, topic := range badTopics {
		if err := checkTopic(topic); !errors.Is(err, ErrBadTopic) {
			t.Errorf("topic %q: err %v, want ErrBadTopic", topic, err)
		}
		if validTopic(topic) {
			t.Errorf("validTopic(%q) = true", topic)
		}
	}
	for _, good := range []string{"a", "a.b", "app.run", "rpc.session.connected", "a-b_c:d/e.f", "ünï"} {
		if err := checkTopic(good); err != nil {
			t.Errorf("topic %q: %v", good, err)
		}
		if _, err := parsePattern(good); err != nil {
			t.Errorf("pattern %q: %v", good, err)
		}
	}
}
