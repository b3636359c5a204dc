package conf

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// part is one section header of a file and the keys under it: a base
// section (env empty) or an overlay.
type part struct {
	sec *Section
	env string
}

// parse reads the lines of data, the file named name, into its parts in
// file order. It returns every fault of the lines, joined.
func parse(name string, data []byte) ([]part, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	var (
		parts []part
		cur   *Section // nil before the first header
		seen  = make(map[[2]string]int)
		errs  []error
	)
	for n := 1; len(data) > 0; n++ {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		src := source{file: name, line: n}
		if !utf8.Valid(line) {
			errs = append(errs, errorAt(src, "", "", ErrSyntax, "line is not valid UTF-8"))
			continue
		}
		s := strings.TrimSpace(string(line))
		switch {
		case s == "" || s[0] == '#' || s[0] == ';':
			continue
		case s[0] == '[':
			// A section that cannot be read still becomes cur, so that its
			// keys are not taken for the previous section's.
			cur = newSection("", src)
			secName, env, err := parseHeader(s)
			if err != nil {
				errs = append(errs, errorAt(src, "", "", ErrSyntax, err.Error()))
				continue
			}
			cur.name = secName
			id := [2]string{secName, env}
			if first, dup := seen[id]; dup {
				errs = append(errs, errorAt(src, secName, "", ErrDuplicate, fmt.Sprintf("section %s given twice (first at line %d)", header(secName, env), first)))
				continue
			}
			seen[id] = n
			parts = append(parts, part{sec: cur, env: env})
		default:
			key, rest, ok := strings.Cut(s, "=")
			if !ok {
				errs = append(errs, errorAt(src, "", "", ErrSyntax, "line is neither a comment, a [section] nor key = value"))
				continue
			}
			key = strings.TrimSpace(key)
			if key == "" {
				errs = append(errs, errorAt(src, "", "", ErrSyntax, "empty key"))
				continue
			}
			if !validKey(key) {
				errs = append(errs, errorAt(src, "", key, ErrSyntax, "a key is made of ASCII letters, digits and underscores"))
				continue
			}
			if cur == nil {
				errs = append(errs, errorAt(src, "", key, ErrSyntax, "key outside a section"))
				continue
			}
			value, err := parseValue(strings.TrimSpace(rest))
			if err != nil {
				errs = append(errs, errorAt(src, cur.name, key, ErrSyntax, err.Error()))
				continue
			}
			if first, dup := cur.lookup(key); dup {
				errs = append(errs, errorAt(src, cur.name, key, ErrDuplicate, fmt.Sprintf("key given twice in the section (first at line %d)", first.src.line)))
				continue
			}
			cur.set(key, value, src)
		}
	}
	return parts, errors.Join(errs...)
}

// parseHeader reads a section header line: "[NAME]" or "[NAME @ENV]",
// then blanks or a comment.
func parseHeader(s string) (name, env string, err error) {
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return "", "", errors.New("section header without ]")
	}
	if after := strings.TrimSpace(s[end+1:]); after != "" && after[0] != '#' && after[0] != ';' {
		return "", "", fmt.Errorf("text %q after the section header", after)
	}
	fields := strings.Fields(s[1:end])
	switch len(fields) {
	case 1:
		name = fields[0]
	case 2:
		name, env = fields[0], fields[1]
		if len(env) < 2 || env[0] != '@' {
			return "", "", fmt.Errorf("section header %s: want [NAME] or [NAME @ENV]", s[:end+1])
		}
		env = env[1:]
		if !validName(env) {
			return "", "", fmt.Errorf("section header %s: an environment name has no white space, brackets, quotes or @", s[:end+1])
		}
	default:
		return "", "", fmt.Errorf("section header %s: want [NAME] or [NAME @ENV]", s[:end+1])
	}
	switch {
	case !validName(name):
		return "", "", fmt.Errorf("section header %s: a section name has no white space, brackets, quotes or @ (an overlay is [NAME @ENV])", s[:end+1])
	case name == "sandbox" || name == "sandbox.":
		return "", "", fmt.Errorf("section header %s: a sandbox section is [sandbox.NAME]", s[:end+1])
	}
	return name, env, nil
}

// validName reports whether s can name a section or an environment: not
// empty, printable, without white space, brackets, double quotes or @.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) || strings.ContainsRune(`[]"@`, r) {
			return false
		}
	}
	return true
}

// header returns the header of a section or overlay, brackets included.
func header(name, env string) string {
	if env != "" {
		return "[" + name + " @" + env + "]"
	}
	return "[" + name + "]"
}

// parseValue reads what follows "=", trimmed: a Go-quoted string or the
// text up to a comment, which starts with ';' or '#' at the start of the
// value or after a space or tab.
func parseValue(v string) (string, error) {
	if strings.HasPrefix(v, `"`) {
		q, err := strconv.QuotedPrefix(v)
		if err != nil {
			return "", errors.New("bad quoted value: a quoted value is a Go string, with \\ escapes and a closing \"")
		}
		if after := strings.TrimSpace(v[len(q):]); after != "" && after[0] != '#' && after[0] != ';' {
			return "", fmt.Errorf("text %q after the quoted value", after)
		}
		u, err := strconv.Unquote(q)
		if err != nil {
			return "", errors.New("bad quoted value")
		}
		return u, nil
	}
	for i := 0; i < len(v); i++ {
		if (v[i] == ';' || v[i] == '#') && (i == 0 || v[i-1] == ' ' || v[i-1] == '\t') {
			return strings.TrimSpace(v[:i]), nil
		}
	}
	return v, nil
}

// plainValue reports whether v reads back as itself when written unquoted
// after "key = ".
func plainValue(v string) bool {
	if v != strings.TrimSpace(v) || strings.HasPrefix(v, `"`) || !utf8.ValidString(v) {
		return false
	}
	for i, r := range v {
		if !unicode.IsPrint(r) && r != ' ' {
			return false
		}
		if (r == ';' || r == '#') && (i == 0 || v[i-1] == ' ') {
			return false
		}
	}
	return true
}
