package lineedit

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestHistoryKeys(t *testing.T) {
	for _, tc := range []struct {
		name, keys, want string
		bells            int
	}{
		{"up", "\x1b[A\r", "third", 0},
		{"up up", "\x1b[A\x1b[A\r", "second", 0},
		{"ctrl-p ctrl-n", "\x10\x10\x10\x0e\r", "second", 0},
		{"past the oldest", "\x1b[A\x1b[A\x1b[A\x1b[A!\r", "first!", 1},
		{"past the newest", "\x1b[B\r", "", 1},
		{"back to the new line", "new\x1b[A\x1b[A\x1b[B\x1b[B\r", "new", 0},
		{"edit an old line", "\x1b[A\x7f\x7f\x7f\x7f\x7fTHIRD\r", "THIRD", 0},
		{"application mode", "\x1bOA\x1bOA\x1bOB\r", "third", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t, tc.keys, 80, nil)
			for _, l := range []string{"first", "second", "third"} {
				s.ed.AddHistory(l)
			}
			got, err := s.read("> ")
			if err != nil || got != tc.want {
				t.Fatalf("ReadLine = %q, %v; want %q", got, err, tc.want)
			}
			if b := s.screen().bells; b != tc.bells {
				t.Errorf("the bell rang %d times; want %d", b, tc.bells)
			}
			if h := s.ed.History(); !slices.Equal(h, []string{"first", "second", "third"}) {
				t.Errorf("ReadLine changed the history: %q", h)
			}
		})
	}
}

func TestAddHistory(t *testing.T) {
	ed := New(strings.NewReader(""), &bytes.Buffer{}, nil, &Options{HistorySize: 3})
	for _, l := range []string{"a", "", "  ", "b", "b", "c", "a", "d"} {
		ed.AddHistory(l)
	}
	if h := ed.History(); !slices.Equal(h, []string{"c", "a", "d"}) {
		t.Errorf("History = %q; want the last 3 lines, no blanks, no repeats", h)
	}
	ed = New(strings.NewReader(""), &bytes.Buffer{}, nil, &Options{HistorySize: -1})
	ed.AddHistory("a")
	if h := ed.History(); len(h) != 0 {
		t.Errorf("History = %q with a negative size; want none", h)
	}
}

func TestHistoryFile(t *testing.T) {
	ed := New(strings.NewReader(""), &bytes.Buffer{}, nil, nil)
	if err := ed.LoadHistory(strings.NewReader("status\nstart web\r\n\ntail -f web\n")); err != nil {
		t.Fatal(err)
	}
	if h := ed.History(); !slices.Equal(h, []string{"status", "start web", "tail -f web"}) {
		t.Fatalf("History = %q", h)
	}
	var buf bytes.Buffer
	if err := ed.SaveHistory(&buf); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "status\nstart web\ntail -f web\n" {
		t.Errorf("SaveHistory wrote %q", got)
	}
}
