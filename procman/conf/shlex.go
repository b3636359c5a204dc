package conf

import (
	"errors"
	"fmt"
	"strings"
)

// splitCommand splits a command line into words as supervisord does, with
// Python's shlex.split: words are separated by spaces, tabs and newlines;
// single quotes keep everything within them; double quotes keep everything
// but a backslash before '"' or '\', which stands for that character; a
// backslash outside quotes keeps the next character, whatever it is.
// Quoted parts join the word they touch, and "" is an empty word. There are
// no comments, variables or globs.
func splitCommand(s string) ([]string, error) {
	var (
		words []string
		word  strings.Builder
		in    bool // within a word
		quote rune // the open quote, or 0
	)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				word.WriteRune(r)
			}
		case quote == '"':
			switch {
			case r == '"':
				quote = 0
			case r == '\\' && i+1 < len(rs) && (rs[i+1] == '"' || rs[i+1] == '\\'):
				i++
				word.WriteRune(rs[i])
			case r == '\\' && i+1 == len(rs):
				return nil, errors.New("a backslash ends the command within double quotes")
			default:
				word.WriteRune(r)
			}
		case r == ' ' || r == '\t' || r == '\r' || r == '\n':
			if in {
				words = append(words, word.String())
				word.Reset()
				in = false
			}
		case r == '\\':
			if i+1 == len(rs) {
				return nil, errors.New("a backslash ends the command, with no character to keep")
			}
			i++
			word.WriteRune(rs[i])
			in = true
		case r == '\'' || r == '"':
			quote = r
			in = true
		default:
			word.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("the quote %c is not closed", quote)
	}
	if in {
		words = append(words, word.String())
	}
	return words, nil
}

// envWordChars are the characters of a word in the environment lexer: what
// Python's non-POSIX shlex.shlex takes, with the ones supervisord adds.
const envWordChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/.+-():"

// parseEnvironment parses supervisord's environment value,
// KEY="val",KEY2=val2, into "KEY=val" entries in order; a key given twice
// keeps its first place and takes its last value. It lexes as supervisord
// does, with Python's non-POSIX shlex: a word is a run of letters, digits
// and "_/.+-():"; a quoted string, '...' or "...", is one token, taken
// without its quotes and with no escapes; any other character is a token
// of its own; '#' starts a comment up to the end of the line. A value with
// other characters (such as spaces, ',', '=', '$' or '%' once expanded)
// must be quoted. Where supervisord takes any token between two pairs,
// procman wants a ',' and refuses the rest: "A=a b" is an error, not A=a.
func parseEnvironment(s string) ([]string, error) {
	toks, err := envTokens(s)
	if err != nil {
		return nil, err
	}
	var (
		keys []string
		vals = make(map[string]string)
	)
	for i := 0; i < len(toks); i += 4 {
		if i+3 > len(toks) || toks[i+1].text != "=" {
			return nil, fmt.Errorf("expected KEY=value at %q", tail(toks[i:]))
		}
		k, v := toks[i], toks[i+2]
		if !k.word {
			return nil, fmt.Errorf("%q is not a name of a variable", k.text)
		}
		if i+3 < len(toks) && toks[i+3].text != "," {
			return nil, fmt.Errorf("expected ',' after %s=%s, not %q; quote a value that has spaces or punctuation in it", k.text, v.text, toks[i+3].text)
		}
		if _, ok := vals[k.text]; !ok {
			keys = append(keys, k.text)
		}
		vals[k.text] = strings.Trim(v.text, `'"`)
	}
	env := make([]string, len(keys))
	for i, k := range keys {
		env[i] = k + "=" + vals[k]
	}
	return env, nil
}

// envToken is a token of the environment lexer.
type envToken struct {
	text string
	word bool
}

// tail returns the text of toks, joined, for an error message.
func tail(toks []envToken) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.text)
	}
	return b.String()
}

// envTokens lexes s as Python's shlex.shlex(s) with the added word
// characters does, quirks and all: a quote within a word is part of it,
// and a '#' within a word skips to the next line, the word going on there.
func envTokens(s string) ([]envToken, error) {
	var toks []envToken
	rs := []rune(s)
	isWord := func(r rune) bool { return r < 0x80 && strings.ContainsRune(envWordChars, r) }
	isBlank := func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }
	skipLine := func(i int) int {
		for i < len(rs) && rs[i] != '\n' {
			i++
		}
		return i // at the '\n', which the caller's loop steps over
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case isBlank(r):
		case r == '#':
			i = skipLine(i)
		case isWord(r):
			var w strings.Builder
			for ; i < len(rs); i++ {
				r := rs[i]
				if r == '#' {
					i = skipLine(i)
					continue
				}
				if !isWord(r) && r != '\'' && r != '"' {
					break
				}
				w.WriteRune(r)
			}
			i-- // the loop steps onto the character that ended the word
			toks = append(toks, envToken{text: w.String(), word: true})
		case r == '\'' || r == '"':
			j := i + 1
			for j < len(rs) && rs[j] != r {
				j++
			}
			if j == len(rs) {
				return nil, fmt.Errorf("the quote %c is not closed", r)
			}
			toks = append(toks, envToken{text: string(rs[i : j+1])})
			i = j
		default:
			toks = append(toks, envToken{text: string(r)})
		}
	}
	return toks, nil
}
