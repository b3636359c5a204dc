package conf

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// scope holds the names an expansion may use: strings, and ints for
// process_num and numprocs. A scope extends its parent; its own names win.
type scope struct {
	parent *scope
	vars   map[string]any
}

// with returns a scope of vars that extends s.
func (s *scope) with(vars map[string]any) *scope { return &scope{parent: s, vars: vars} }

// lookup returns the value of name.
func (s *scope) lookup(name string) (any, bool) {
	for ; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

// names returns the names s knows other than the ENV_ ones, sorted, for
// an error message.
func (s *scope) names() []string {
	var names []string
	for ; s != nil; s = s.parent {
		for k := range s.vars {
			if !strings.HasPrefix(k, "ENV_") && !slices.Contains(names, k) {
				names = append(names, k)
			}
		}
	}
	slices.Sort(names)
	return append(names, "ENV_x")
}

// maxValueBytes caps what one value expands to: as much as Linux takes
// for one argument or environment entry of a process.
const maxValueBytes = 128 << 10

// expand does what Python's s % mapping does, as supervisord uses it:
// "%(name)s" is replaced with the value of name, "%%" with "%". A
// directive may have flags ("-+ #0"), a width, a precision and a length
// modifier (h, l or L, ignored) before its conversion: s for any value; d,
// i, u, x, X and o for a number. An unknown name, another conversion, and a
// '%' that starts no directive are errors.
func expand(s string, sc *scope) (string, error) {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s, nil
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			i++
			continue
		}
		i++
		if i == len(s) {
			return "", errors.New("a '%' ends the value: write '%%' for a '%'")
		}
		if s[i] == '%' {
			b.WriteByte('%')
			i++
			continue
		}
		if s[i] != '(' {
			return "", fmt.Errorf("'%%' at offset %d is neither '%%%%' nor '%%(name)s': write '%%%%' for a '%%'", i-1)
		}
		name, n, ok := parenName(s[i:])
		if !ok {
			return "", fmt.Errorf("%q has no ')' to close its name", s[i-1:])
		}
		i += n
		d, n, err := parseDirective(s[i:])
		if err != nil {
			return "", fmt.Errorf("%%(%s): %w", name, err)
		}
		i += n
		v, ok := sc.lookup(name)
		if !ok {
			return "", fmt.Errorf("%%(%s) names no expansion; there are %s", name, strings.Join(sc.names(), ", "))
		}
		out, err := d.format(v)
		if err != nil {
			return "", fmt.Errorf("%%(%s)%c: %w", name, d.conv, err)
		}
		b.WriteString(out)
		if b.Len() > maxValueBytes {
			return "", fmt.Errorf("the value expands to more than %d KiB", maxValueBytes>>10)
		}
	}
	return b.String(), nil
}

// parenName reads "(name)" at the start of s, parentheses nested within
// the name as Python allows, and returns the name and the bytes read.
func parenName(s string) (string, int, bool) {
	depth := 0
	for j := 0; j < len(s); j++ {
		switch s[j] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return s[1:j], j + 1, true
			}
		}
	}
	return "", 0, false
}

// directive is what follows the name of a %(name) expansion.
type directive struct {
	minus, plus, space, alt, zero bool
	width, prec                   int // prec < 0: none
	conv                          byte
}

// parseDirective reads the flags, width, precision, length modifier and
// conversion at the start of s, and returns the bytes read.
func parseDirective(s string) (directive, int, error) {
	d := directive{prec: -1}
	i := 0
	for ; i < len(s) && strings.IndexByte("-+ #0", s[i]) >= 0; i++ {
		switch s[i] {
		case '-':
			d.minus = true
		case '+':
			d.plus = true
		case ' ':
			d.space = true
		case '#':
			d.alt = true
		case '0':
			d.zero = true
		}
	}
	var ok bool
	if d.width, i, ok = digits(s, i); !ok {
		return d, 0, errors.New("the width is too large")
	}
	if i < len(s) && s[i] == '.' {
		if d.prec, i, ok = digits(s, i+1); !ok {
			return d, 0, errors.New("the precision is too large")
		}
	}
	if i < len(s) && strings.IndexByte("hlL", s[i]) >= 0 {
		i++
	}
	if i == len(s) {
		return d, 0, errors.New("the expansion has no conversion such as 's' or 'd' after it")
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	if r >= utf8.RuneSelf || strings.IndexByte("sdiuxXo", byte(r)) < 0 {
		if r == '*' {
			return d, 0, errors.New("a '*' width or precision needs an argument list, which supervisord's expansions are not")
		}
		return d, 0, fmt.Errorf("%q is not a conversion procman supports (s, d, i, u, x, X, o)", r)
	}
	d.conv = byte(r)
	return d, i + n, nil
}

// digits reads a decimal number of at most 4 digits' worth (up to 9999) at
// s[i:]; none reads as 0.
func digits(s string, i int) (int, int, bool) {
	n := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int(s[i]-'0')
		if n > 9999 {
			return 0, i, false
		}
	}
	return n, i, true
}

// format formats v by d as Python's % does.
func (d directive) format(v any) (string, error) {
	if d.conv == 's' {
		var str string
		switch v := v.(type) {
		case string:
			str = v
		case int:
			str = strconv.Itoa(v)
		}
		if d.prec >= 0 && utf8.RuneCountInString(str) > d.prec {
			str = string([]rune(str)[:d.prec])
		}
		return d.pad("", str, false), nil
	}
	n, ok := v.(int)
	if !ok {
		return "", errors.New("the value is a string, not a number")
	}
	base, prefix := 10, ""
	switch d.conv {
	case 'x':
		base, prefix = 16, "0x"
	case 'X':
		base, prefix = 16, "0X"
	case 'o':
		base, prefix = 8, "0o"
	}
	neg := n < 0
	var body string
	if neg {
		// strconv of the negation would overflow for the smallest int.
		body = strings.TrimPrefix(strconv.FormatInt(int64(n), base), "-")
	} else {
		body = strconv.FormatInt(int64(n), base)
	}
	if d.conv == 'X' {
		body = strings.ToUpper(body)
	}
	if len(body) < d.prec {
		body = strings.Repeat("0", d.prec-len(body)) + body
	}
	sign := ""
	switch {
	case neg:
		sign = "-"
	case d.plus:
		sign = "+"
	case d.space:
		sign = " "
	}
	if !d.alt {
		prefix = ""
	}
	return d.pad(sign+prefix, body, true), nil
}

// pad widens head+body to the directive's width: with spaces on the left,
// on the right with the '-' flag, or for a number with the '0' flag with
// zeros between head and body.
func (d directive) pad(head, body string, number bool) string {
	n := d.width - utf8.RuneCountInString(head) - utf8.RuneCountInString(body)
	switch {
	case n <= 0:
		return head + body
	case d.minus:
		return head + body + strings.Repeat(" ", n)
	case d.zero && number:
		return head + strings.Repeat("0", n) + body
	}
	return strings.Repeat(" ", n) + head + body
}
