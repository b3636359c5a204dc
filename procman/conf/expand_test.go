//go:build unix

package conf

import (
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	sc := (*scope)(nil).with(map[string]any{"ENV_HOME": "/home/u", "program_name": "web", "here": "/etc"}).
		with(map[string]any{"process_num": 7, "numprocs": 12, "neg": -42, "program_name": "api"})
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"", ""},
		{"100%%", "100%"},
		{"%%(here)s", "%(here)s"},
		{"%(here)s/x", "/etc/x"},
		{"%(ENV_HOME)s", "/home/u"},
		{"%(program_name)s", "api"}, // the inner scope wins
		{"%(process_num)d", "7"},
		{"%(process_num)02d", "07"},
		{"%(process_num)03d-%(numprocs)d", "007-12"},
		{"%(process_num)s", "7"},
		{"%(process_num)5s|", "    7|"},
		{"%(process_num)-5d|", "7    |"},
		{"%(process_num)-05d|", "7    |"},
		{"%(process_num)+d", "+7"},
		{"%(process_num) d", " 7"},
		{"%(process_num).3d", "007"},
		{"%(process_num)05.3d", "00007"},
		{"%(process_num)i %(process_num)u", "7 7"},
		{"%(numprocs)x %(numprocs)X %(numprocs)o", "c C 14"},
		{"%(numprocs)#x %(numprocs)#X %(numprocs)#o", "0xc 0XC 0o14"},
		{"%(numprocs)#06x", "0x000c"},
		{"%(neg)05d %(neg)x %(neg)#o", "-0042 -2a -0o52"},
		{"%(process_num)ld %(process_num)hd", "7 7"},
		{"%(program_name).2s|%(program_name)5s|%(program_name)-5s|%(program_name)05s", "ap|  api|api  |  api"},
		{"%(here)s%(here)s", "/etc/etc"},
	}
	for _, tt := range tests {
		got, err := expand(tt.in, sc)
		if err != nil || got != tt.want {
			t.Errorf("expand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestExpandErrors(t *testing.T) {
	sc := (*scope)(nil).with(map[string]any{"ENV_X": "x", "program_name": "web", "process_num": 1})
	tests := []struct{ in, want string }{
		{"50%", "a '%' ends the value: write '%%' for a '%'"},
		{"50% off", "'%' at offset 2 is neither '%%' nor '%(name)s': write '%%' for a '%'"},
		{"%s", "'%' at offset 0 is neither '%%' nor '%(name)s': write '%%' for a '%'"},
		{"%(program_name", `"%(program_name" has no ')' to close its name`},
		{"%(program_name)", "%(program_name): the expansion has no conversion such as 's' or 'd' after it"},
		{"%(program_name)05", "%(program_name): the expansion has no conversion such as 's' or 'd' after it"},
		{"%(nope)s", "%(nope) names no expansion; there are process_num, program_name, ENV_x"},
		{"%(program_name)d", "%(program_name)d: the value is a string, not a number"},
		{"%(process_num)f", "%(process_num): 'f' is not a conversion procman supports (s, d, i, u, x, X, o)"},
		{"%(process_num)r", "%(process_num): 'r' is not a conversion procman supports (s, d, i, u, x, X, o)"},
		{"%(process_num)*d", "%(process_num): a '*' width or precision needs an argument list, which supervisord's expansions are not"},
		{"%(process_num)99999d", "%(process_num): the width is too large"},
		{"%(process_num).99999d", "%(process_num): the precision is too large"},
	}
	for _, tt := range tests {
		got, err := expand(tt.in, sc)
		if err == nil || err.Error() != tt.want {
			t.Errorf("expand(%q) = %q, %v\nwant error %s", tt.in, got, err, tt.want)
		}
	}
}

func TestExpandNestedParens(t *testing.T) {
	got, err := expand("%(a(b)c)s", (*scope)(nil).with(map[string]any{"a(b)c": "ok"}))
	if err != nil || got != "ok" {
		t.Errorf("got %q, %v; want ok, as Python's %% reads nested parentheses", got, err)
	}
	if _, err := expand("%(a(b)s", (*scope)(nil)); err == nil || !strings.Contains(err.Error(), "no ')'") {
		t.Errorf("an unbalanced name: %v", err)
	}
}
