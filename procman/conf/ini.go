package conf

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file reads the INI dialect of supervisord: Python's
// configparser.RawConfigParser with inline_comment_prefixes (';', '#') and
// strict=False, which is what supervisord 4 sets up. Its rules:
//
//   - A line whose first non-blank character is ';' or '#' is a comment.
//     Later in a line, ';' or '#' starts a comment only at the start of the
//     line or after white space: "a=b ;c" is a, but "a=b;c" is "b;c".
//   - "[name]" starts a section: the name is everything between the first
//     '[' and the last ']' of the line, spaces and all; section names are
//     case-sensitive. A section named twice, in one file or in several, is
//     one section: its keys are merged, the last value of a key wins.
//   - "key = value" and "key: value" set a key: the key is what comes before
//     the first '=' or ':', lower-cased and stripped; the value what comes
//     after it, stripped. Blanks around the delimiter do not matter.
//   - A line indented deeper than the key's line continues the value; the
//     lines are joined with newlines. Blank lines within a value are kept
//     (trailing ones are dropped).
//   - [DEFAULT] gives each section the keys it does not set itself.

// value is one key's value as read, and where it was read.
type value struct {
	text  string
	lines []string // while the file is read; joined into text at its end
	pos   pos
	here  string // %(here)s: the absolute directory of the file
}

// section is one [name] section, merged over every place it appears.
type section struct {
	name  string
	pos   pos // of its first header
	keys  map[string]*value
	order []string // keys in the order they first appeared
}

// get returns the value of key, or nil.
func (s *section) get(key string) *value {
	if s == nil {
		return nil
	}
	return s.keys[key]
}

// ini is what the dialect reads from one or more files.
type ini struct {
	sections []*section // in the order they first appeared
	byName   map[string]*section
	defaults *section // [DEFAULT]; nil when no file has one
	warnings []string
}

func newINI() *ini { return &ini{byName: make(map[string]*section)} }

// lookup returns key in s, or in [DEFAULT] when s does not set it, or nil.
func (f *ini) lookup(s *section, key string) *value {
	if v := s.get(key); v != nil {
		return v
	}
	return f.defaults.get(key)
}

// fileInclude is what a file says of its own [include] section: merging
// the sections of several files would hide which file's includes are which.
type fileInclude struct {
	header *pos   // the file's first [include] header, or nil
	files  *value // the file's own last files= value, or nil
}

// read parses one file's text into f. name names the file in errors, and
// here is its absolute directory, for %(here)s.
func (f *ini) read(name, here string, text string) (fileInclude, error) {
	var inc fileInclude
	text = strings.TrimPrefix(text, "\ufeff")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	lines := strings.Split(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	var (
		cur    *section // the section lines go to; nil before the first
		curVal *value   // the value continuation lines go to
		indent int      // the indent of the last header or key line
		opened []*value // every value set by this file, to join at its end
		seen   = make(map[*section]map[string]bool)
	)
	for i, line := range lines {
		p := pos{name, i + 1}
		if !utf8.ValidString(line) {
			return inc, errorAt(p, "", "", "the line is not valid UTF-8")
		}
		comment := commentStart(line)
		content := line
		if comment >= 0 {
			content = line[:comment]
		}
		content = strings.TrimFunc(content, isSpace)
		if content == "" {
			if comment < 0 && curVal != nil {
				curVal.lines = append(curVal.lines, "")
			}
			continue
		}
		lineIndent := indentOf(line)
		if cur != nil && curVal != nil && lineIndent > indent {
			curVal.lines = append(curVal.lines, content)
			continue
		}
		indent = lineIndent
		if name, ok := sectionHeader(content); ok {
			cur = f.section(name, p)
			if name == "include" && inc.header == nil {
				inc.header = &p
			}
			curVal = nil
			continue
		}
		if cur == nil {
			return inc, errorAt(p, "", "", "%q comes before the first [section] header", content)
		}
		key, val, ok := keyValue(content)
		if !ok {
			return inc, errorAt(p, cur.name, "", "%q is not a [section] header, a key = value line or an indented continuation of a value", content)
		}
		if key == "" {
			return inc, errorAt(p, cur.name, "", "%q has no key before its '=' or ':'", content)
		}
		key = strings.ToLower(key)
		if seen[cur] == nil {
			seen[cur] = make(map[string]bool)
		}
		if seen[cur][key] {
			f.warnings = append(f.warnings, fmt.Sprintf("%s:%d: [%s] %s: set again in this section; the last value wins", p.file, p.line, cur.name, key))
		}
		seen[cur][key] = true
		curVal = &value{lines: []string{val}, pos: p, here: here}
		opened = append(opened, curVal)
		if _, ok := cur.keys[key]; !ok {
			cur.order = append(cur.order, key)
		}
		cur.keys[key] = curVal
		if cur.name == "include" && key == "files" {
			inc.files = curVal
		}
	}
	for _, v := range opened {
		v.text = strings.TrimRightFunc(strings.Join(v.lines, "\n"), isSpace)
		v.lines = nil
	}
	return inc, nil
}

// section returns the section called name, made at p if it is new.
func (f *ini) section(name string, p pos) *section {
	if name == "DEFAULT" {
		if f.defaults == nil {
			f.defaults = &section{name: name, pos: p, keys: make(map[string]*value)}
		}
		return f.defaults
	}
	if s := f.byName[name]; s != nil {
		return s
	}
	s := &section{name: name, pos: p, keys: make(map[string]*value)}
	f.byName[name] = s
	f.sections = append(f.sections, s)
	return s
}

// commentStart returns the byte offset at which a comment starts in line,
// or -1. A line whose first non-blank character is ';' or '#' is all
// comment; otherwise a ';' or '#' at the start of the line or after white
// space starts one. As configparser does, the candidates are tried in
// rounds: the first ';' and the first '#', then the second of each, and so
// on, and the earliest of the first round that has one wins.
func commentStart(line string) int {
	if t := strings.TrimLeftFunc(line, isSpace); strings.HasPrefix(t, ";") || strings.HasPrefix(t, "#") {
		return 0
	}
	prefixes := [...]byte{';', '#'}
	at := [...]int{-1, -1}
	active := [...]bool{true, true}
	for active[0] || active[1] {
		best := -1
		for k, c := range prefixes {
			if !active[k] {
				continue
			}
			j := strings.IndexByte(line[at[k]+1:], c)
			if j < 0 {
				active[k] = false
				continue
			}
			j += at[k] + 1
			at[k] = j
			if j == 0 || endsInSpace(line[:j]) {
				if best < 0 || j < best {
					best = j
				}
			}
		}
		if best >= 0 {
			return best
		}
	}
	return -1
}

// endsInSpace reports whether s ends in a white space character.
func endsInSpace(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return isSpace(r)
}

// isSpace reports whether r is white space as Python's str.isspace has it:
// Go's unicode.IsSpace and the four ASCII separators 0x1c to 0x1f.
func isSpace(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) }

// indentOf returns the number of characters before the first non-blank
// one of line.
func indentOf(line string) int {
	n := 0
	for _, r := range line {
		if !isSpace(r) {
			break
		}
		n++
	}
	return n
}

// sectionHeader returns the name of the section that line opens: what
// lies between its leading '[' and its last ']', which must not be empty.
func sectionHeader(line string) (string, bool) {
	if !strings.HasPrefix(line, "[") {
		return "", false
	}
	end := strings.LastIndexByte(line, ']')
	if end < 2 {
		return "", false
	}
	return line[1:end], true
}

// keyValue splits line at its first '=' or ':' into a key and a value, both
// stripped.
func keyValue(line string) (key, val string, ok bool) {
	i := strings.IndexAny(line, "=:")
	if i < 0 {
		return "", "", false
	}
	return strings.TrimRightFunc(line[:i], isSpace), strings.TrimFunc(line[i+1:], isSpace), true
}
