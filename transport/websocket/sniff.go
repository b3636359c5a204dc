package websocket

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
)

// sniffUpgrade is Upgrader.Sniff for the path path; see there. It reads the
// head as http.ReadRequest and coder/websocket's Accept do: lines end in
// "\n" or "\r\n", a line that starts with a space or a tab continues the
// header before it, and header values are lists of comma-separated tokens.
func sniffUpgrade(head []byte, path string) (match, more bool) {
	const get = "GET "
	if len(head) < len(get) {
		return false, string(head) == get[:len(head)]
	}
	if string(head[:len(get)]) != get {
		return false, false
	}
	line, rest, ok := bytes.Cut(head, []byte("\n"))
	if !ok {
		return false, targetMayBe(string(head[len(get):]), path)
	}
	if !requestLineFor(string(bytes.TrimSuffix(line, []byte("\r"))), path) {
		return false, false
	}
	// kind is what the last header line was: 0 another header, 'u' an
	// Upgrade header, 'c' a Connection header.
	var (
		upgrade, connection bool
		kind                byte
		first               = true
	)
	for {
		line, rest, ok = bytes.Cut(rest, []byte("\n"))
		if !ok {
			return false, true // the head goes on
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			return false, false // the head ended without both headers
		}
		value := line
		if line[0] == ' ' || line[0] == '\t' {
			if first {
				return false, false // ReadRequest refuses a continuation first
			}
		} else {
			name, v, ok := bytes.Cut(line, []byte(":"))
			if !ok {
				return false, false // a malformed header line
			}
			value, kind = v, 0
			switch {
			case bytes.EqualFold(name, []byte("Upgrade")):
				kind = 'u'
			case bytes.EqualFold(name, []byte("Connection")):
				kind = 'c'
			}
		}
		first = false
		upgrade = upgrade || kind == 'u' && hasToken(value, "websocket")
		connection = connection || kind == 'c' && hasToken(value, "upgrade")
		if upgrade && connection {
			return true, false
		}
	}
}

// targetMayBe reports whether target, the start of an unfinished request
// line after "GET ", may still name path. An origin-form target is judged
// from its first bytes: those before any escape or query must begin path,
// and those before a query must be path.
func targetMayBe(target, path string) bool {
	if target, _, ok := strings.Cut(target, " "); ok {
		u, err := url.ParseRequestURI(target)
		return err == nil && u.Path == path
	}
	if !strings.HasPrefix(target, "/") {
		return true // absolute-form, judged when its line ends
	}
	i := strings.IndexAny(target, "%?")
	switch {
	case i < 0:
		return strings.HasPrefix(path, target)
	case target[i] == '?':
		return target[:i] == path
	}
	return strings.HasPrefix(path, target[:i])
}

// requestLineFor reports whether line is the request line of a GET of path
// in HTTP/1.1 or later, parsed as http.ReadRequest does.
func requestLineFor(line, path string) bool {
	method, rest, ok1 := strings.Cut(line, " ")
	target, proto, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || method != "GET" {
		return false
	}
	major, minor, ok := http.ParseHTTPVersion(proto)
	if !ok || major < 1 || major == 1 && minor < 1 {
		return false
	}
	u, err := url.ParseRequestURI(target)
	return err == nil && u.Path == path
}

// hasToken reports whether the comma-separated list v holds token, in any
// case.
func hasToken(v []byte, token string) bool {
	for t := range bytes.SplitSeq(v, []byte(",")) {
		if bytes.EqualFold(bytes.TrimSpace(t), []byte(token)) {
			return true
		}
	}
	return false
}
