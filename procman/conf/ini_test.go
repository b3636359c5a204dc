//go:build unix

package conf

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// readINI reads text as one file named "t.conf" in /dir, and returns its
// sections as name -> key -> value, [DEFAULT] included.
func readINI(t *testing.T, text string) (map[string]map[string]string, *ini, error) {
	t.Helper()
	f := newINI()
	_, err := f.read("t.conf", "/dir", text)
	got := make(map[string]map[string]string)
	for _, s := range append(f.sections, f.defaults) {
		if s == nil {
			continue
		}
		m := make(map[string]string)
		for k, v := range s.keys {
			m[k] = v.text
		}
		got[s.name] = m
	}
	return got, f, err
}

func TestINI(t *testing.T) {
	type sections = map[string]map[string]string
	tests := []struct {
		name, text string
		want       sections
	}{
		{"equals and colon", "[a]\nk1 = v1\nk2: v2\nk3=v3=x\nk4 :v4:y\n",
			sections{"a": {"k1": "v1", "k2": "v2", "k3": "v3=x", "k4": "v4:y"}}},
		{"keys are lower-cased, sections are not", "[Prog]\nCommand = X\n",
			sections{"Prog": {"command": "X"}}},
		{"full-line comments", "; c1\n# c2\n[a]\n  ; c3\n\t# c4\nk=v\n",
			sections{"a": {"k": "v"}}},
		{"inline comment after a blank", "[a]\nk=v ;c\nl=v\t#c\nm=v;c\nn=v#c\n",
			sections{"a": {"k": "v", "l": "v", "m": "v;c", "n": "v#c"}}},
		// configparser tries the first ';' and the first '#', then the
		// second of each: the second '#' is earlier than the first ';' that
		// qualifies, but comes in a later round.
		{"inline comment rounds", "[a]\nk=a#b #c ;d\n",
			sections{"a": {"k": "a#b #c"}}},
		{"comment on a header", "[a] ; comment\nk=v\n", sections{"a": {"k": "v"}}},
		{"text after a header", "[a] junk\n[b]]\nk=v\n", sections{"a": {}, "b]": {"k": "v"}}},
		{"continuation", "[a]\nk = one\n  two\n\tthree ; c\nl = x\n",
			sections{"a": {"k": "one\ntwo\nthree", "l": "x"}}},
		{"blank lines within a value are kept, trailing ones dropped", "[a]\nk=one\n\n  two\n\n\nl=x\n",
			sections{"a": {"k": "one\n\ntwo", "l": "x"}}},
		{"an indented key after a header is a key", "[a]\n  k=v\n  l=w\n",
			sections{"a": {"k": "v", "l": "w"}}},
		{"an indented header continues a value", "[a]\nk=v\n  [b]\n",
			sections{"a": {"k": "v\n[b]"}}},
		{"empty value", "[a]\nk=\nl = ; c\n", sections{"a": {"k": "", "l": ""}}},
		{"sections merge, the last value wins", "[a]\nk=1\nl=1\n[b]\n[a]\nk=2\n",
			sections{"a": {"k": "2", "l": "1"}, "b": {}}},
		{"DEFAULT", "[DEFAULT]\nk=d\n[a]\n", sections{"DEFAULT": {"k": "d"}, "a": {}}},
		{"CRLF and CR", "[a]\r\nk=v\r\nl=w\rm=x", sections{"a": {"k": "v", "l": "w", "m": "x"}}},
		{"byte order mark", "\ufeff[a]\nk=v\n", sections{"a": {"k": "v"}}},
		{"spaces in a key", "[a]\nmy key = v\n", sections{"a": {"my key": "v"}}},
		{"unicode blanks", "[a]\n\u3000k\u00a0=\u2003v\u3000\n", sections{"a": {"k": "v"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := readINI(t, tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestINIPositionsAndOrder(t *testing.T) {
	_, f, err := readINI(t, "\n[b]\nz=1\n[a]\ny=2\n  more\nx=3\n[b]\nw=4\nz=5\n")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range f.sections {
		names = append(names, s.name)
	}
	if want := []string{"b", "a"}; !reflect.DeepEqual(names, want) {
		t.Errorf("sections %q, want %q", names, want)
	}
	b := f.byName["b"]
	if want := []string{"z", "w"}; !reflect.DeepEqual(b.order, want) {
		t.Errorf("keys of [b] %q, want %q", b.order, want)
	}
	if b.pos.line != 2 || b.keys["z"].pos.line != 10 || f.byName["a"].keys["y"].pos.line != 5 {
		t.Errorf("positions: [b] %d, z %d, y %d; want 2, 10, 5", b.pos.line, b.keys["z"].pos.line, f.byName["a"].keys["y"].pos.line)
	}
	if v := b.keys["z"]; v.here != "/dir" || v.pos.file != "t.conf" {
		t.Errorf("z is in %q of %q, want t.conf of /dir", v.pos.file, v.here)
	}
	if len(f.warnings) != 1 || !strings.Contains(f.warnings[0], "t.conf:10: [b] z: set again") {
		t.Errorf("warnings %q, want one of z set again at line 10", f.warnings)
	}
}

func TestINIErrors(t *testing.T) {
	tests := []struct{ text, want string }{
		{"k=v\n", `conf: t.conf:1: "k=v" comes before the first [section] header`},
		{"; c\n\n  k=v\n", `conf: t.conf:3: "k=v" comes before the first [section] header`},
		{"[a]\nk=v\njunk\n", `conf: t.conf:3: [a]: "junk" is not a [section] header, a key = value line or an indented continuation of a value`},
		{"[a]\n[]\n", `conf: t.conf:2: [a]: "[]" is not a [section] header, a key = value line or an indented continuation of a value`},
		{"[a]\n= v\n", `conf: t.conf:2: [a]: "= v" has no key before its '=' or ':'`},
		{"[a]\nk=\xff\n", `conf: t.conf:2: the line is not valid UTF-8`},
	}
	for _, tt := range tests {
		_, _, err := readINI(t, tt.text)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q: error %v\nwant %s", tt.text, err, tt.want)
		}
		if !errors.Is(err, ErrConfig) {
			t.Errorf("%q: %v does not wrap ErrConfig", tt.text, err)
		}
	}
}

func TestCommentStart(t *testing.T) {
	tests := []struct {
		line string
		want int
	}{
		{"a=b", -1}, {";all", 0}, {"  #all", 0}, {"a=b ;c", 4}, {"a=b;c", -1},
		{"a=b\t#c", 4}, {"a;b #c", 4}, {"a#b ;c", 4}, {"a#b #c ;d", 7}, {"x\u3000;c", 4},
	}
	for _, tt := range tests {
		if got := commentStart(tt.line); got != tt.want {
			t.Errorf("commentStart(%q) = %d, want %d", tt.line, got, tt.want)
		}
	}
}
