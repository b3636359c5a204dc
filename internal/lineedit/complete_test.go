package lineedit

import (
	"strings"
	"testing"
)

// words completes the last word of the line from a list, with a space.
func words(list ...string) CompleteFunc {
	return func(line string, pos int) (int, []string) {
		start := strings.LastIndexByte(line[:pos], ' ') + 1
		var out []string
		for _, w := range list {
			if strings.HasPrefix(w, line[start:pos]) {
				out = append(out, w+" ")
			}
		}
		return start, out
	}
}

func TestComplete(t *testing.T) {
	cmds := words("status", "start", "stop", "shutdown", "restart", "reread", "reload")
	for _, tc := range []struct {
		name, keys, want string
		bells            int
	}{
		{"one candidate", "sh\t\r", "shutdown ", 0},
		{"second word", "status sh\t\r", "status shutdown ", 0},
		{"common prefix", "r\t\r", "re", 0},
		{"then one", "r\tre\tx\r", "reread x", 0},
		{"none", "x\t\r", "x", 1},
		{"cursor within the line", "stat web\x1b[D\x1b[D\x1b[D\x1b[D\t\r", "status  web", 0},
		{"listed", "st\t\r", "st", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t, tc.keys, 80, &Options{Complete: cmds})
			got, err := s.read("> ")
			if err != nil || got != tc.want {
				t.Fatalf("ReadLine(%q) = %q, %v; want %q", tc.keys, got, err, tc.want)
			}
			if b := s.screen().bells; b != tc.bells {
				t.Errorf("the bell rang %d times; want %d", b, tc.bells)
			}
		})
	}
}

func TestCompleteLists(t *testing.T) {
	s := newSession(t, "st\t", 30, &Options{Complete: words("status", "start", "stop", "alpha1", "alpha2")})
	s.read("> ")
	sc := s.screen()
	// 3 candidates of up to 6 columns, 8 a column: 3 columns in 30.
	if got := sc.line(1); got != "status  start   stop" {
		t.Errorf("listed as %q", got)
	}
	if line := sc.line(2); line != "> st" {
		t.Errorf("then %q; want the line drawn again below the list", line)
	}

	many := make([]string, 10)
	for i := range many {
		many[i] = "item" + string(rune('0'+i))
	}
	s = newSession(t, "item\t", 20, &Options{Complete: words(many...)})
	s.read("> ")
	sc = s.screen()
	// 5 columns wide with 2 of space, 7 a column: 2 columns in 20, down then across.
	for i, want := range []string{"item0  item5", "item1  item6", "item2  item7", "item3  item8", "item4  item9"} {
		if got := sc.line(1 + i); got != want {
			t.Errorf("list row %d = %q; want %q", i, got, want)
		}
	}
}

func TestCompleteBadCallback(t *testing.T) {
	for _, start := range []int{-1, 3, 1} {
		s := newSession(t, "é\t\r", 80, &Options{Complete: func(string, int) (int, []string) { return start, []string{"x"} }})
		got, err := s.read("> ")
		if err != nil || got != "é" || s.screen().bells != 1 {
			t.Errorf("start %d: ReadLine = %q, %v with %d bells; want the line unchanged and the bell", start, got, err, s.screen().bells)
		}
	}
	s := newSession(t, "a\t\r", 80, nil)
	if got, _ := s.read("> "); got != "a" || s.screen().bells != 1 {
		t.Errorf("without a callback: %q, %d bells; want the bell", got, s.screen().bells)
	}
}

func TestCommonPrefix(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"abc", "abd"}, "ab"},
		{[]string{"abc"}, "abc"},
		{[]string{"abc", ""}, ""},
		{[]string{"é1", "è2"}, ""}, // same first byte, different runes
		{[]string{"日本", "日曜"}, "日"},
	} {
		if got := commonPrefix(tc.in); got != tc.want {
			t.Errorf("commonPrefix(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestWidths(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int
	}{
		{"abc", 3},
		{"日本", 4},
		{"e\u0301", 1},
		{"\x1b[1;32mpm\x1b[0m> ", 4},
		{"\x1b[38;5;208mx", 1},
		{"😀", 2},
	} {
		if got := promptWidth(tc.s); got != tc.want {
			t.Errorf("promptWidth(%q) = %d; want %d", tc.s, got, tc.want)
		}
	}
}
