//go:build unix

package conf

import (
	"reflect"
	"testing"
)

// The expected values below are those of Python's shlex.split.
func TestSplitCommand(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"/bin/cat", []string{"/bin/cat"}},
		{"  a   b\tc\nd  ", []string{"a", "b", "c", "d"}},
		{`a 'b c' "d e"`, []string{"a", "b c", "d e"}},
		{`a'b c'd`, []string{"ab cd"}},
		{`'' "" x`, []string{"", "", "x"}},
		{`a\ b \'c\' \\d`, []string{"a b", "'c'", `\d`}},
		{`"a\"b" "c\\d" "e\f" 'g\h'`, []string{`a"b`, `c\d`, `e\f`, `g\h`}},
		{`sh -c "echo \$HOME; exit 3"`, []string{"sh", "-c", `echo \$HOME; exit 3`}},
		{"x #not-a-comment", []string{"x", "#not-a-comment"}},
		{"héllo wörld", []string{"héllo", "wörld"}},
		{"", nil},
		{"   ", nil},
	}
	for _, tt := range tests {
		got, err := splitCommand(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitCommand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{`a "b`, `a 'b`, `a\`, `"a\`} {
		if got, err := splitCommand(bad); err == nil {
			t.Errorf("splitCommand(%q) = %q, want an error", bad, got)
		}
	}
}

// The expected values below are those of supervisord's
// dict_of_key_value_pairs, where it accepts the input.
func TestParseEnvironment(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{}},
		{"A=1", []string{"A=1"}},
		{`A="1",B='2'`, []string{"A=1", "B=2"}},
		{"A=1,", []string{"A=1"}},
		{"A = 1 , B = 2", []string{"A=1", "B=2"}},
		{"PATH=/usr/bin:/bin,V=1.2+3-4(x)", []string{"PATH=/usr/bin:/bin", "V=1.2+3-4(x)"}},
		{`A="a b, c=d",B='x"y'`, []string{"A=a b, c=d", `B=x"y`}},
		{`A="#1"`, []string{"A=#1"}},
		{`E=""`, []string{"E="}},
		{"A=1,B=2,A=3", []string{"A=3", "B=2"}},
		{"A=1,\n  B=2", []string{"A=1", "B=2"}},
		{"A=x#y\nz,B=1", []string{"A=xz", "B=1"}}, // as configparser hands a continued value over
		{`A=a"b`, []string{`A=a"b`}},
		{`A='"q"'`, []string{"A=q"}},
	}
	for _, tt := range tests {
		got, err := parseEnvironment(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseEnvironment(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	bad := []struct{ in, want string }{
		{"A", `expected KEY=value at "A"`},
		{"A=", `expected KEY=value at "A="`},
		{"A=1,,B=2", `expected KEY=value at ",B=2"`},
		{"=1", `expected KEY=value at "=1"`},
		{`"A"=1`, `"\"A\"" is not a name of a variable`},
		{"A=a b", `expected ',' after A=a, not "b"; quote a value that has spaces or punctuation in it`},
		{"A=café", `expected ',' after A=caf, not "é"; quote a value that has spaces or punctuation in it`},
		{"A=1;B=2", `expected ',' after A=1, not ";"; quote a value that has spaces or punctuation in it`},
		{`A="1`, "the quote \" is not closed"},
	}
	for _, tt := range bad {
		got, err := parseEnvironment(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("parseEnvironment(%q) = %q, %v\nwant error %s", tt.in, got, err, tt.want)
		}
	}
}
