package rpc

import (
	"strings"
	"unicode"
)

// pathSegment turns a Go identifier into the path segment it is routed as.
//
// The rule, applied to struct and method names alike:
//   - CamelCase becomes snake_case. A word starts at an upper-case letter
//     that follows a lower-case letter or a digit, and at the last upper-case
//     letter of a run that is followed by a lower-case letter, so acronyms
//     stay whole: "Add" → "add", "MyCall" → "my_call", "GetHTTPStatus" →
//     "get_http_status", "V2Users" → "v2_users", "ABcXYz" → "a_bc_x_yz".
//   - A single "_" separates path segments: "User_Get" → "user/get".
//   - A double "__" stands for a literal underscore: "Aa__Bb" → "aa_bb".
func pathSegment(name string) string {
	var b strings.Builder
	parts := strings.Split(name, "__")
	for i, part := range parts {
		if i > 0 {
			b.WriteByte('_')
		}
		for j, seg := range strings.Split(part, "_") {
			if j > 0 {
				b.WriteByte('/')
			}
			snake(&b, seg)
		}
	}
	return b.String()
}

func snake(b *strings.Builder, s string) {
	r := []rune(s)
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 {
			prev := r[i-1]
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
}

// joinPath joins a group prefix and a path into "/a/b", with no double or
// trailing slash.
func joinPath(prefix, path string) string {
	p := "/" + strings.Trim(prefix, "/")
	q := strings.Trim(path, "/")
	switch {
	case p == "/":
		return "/" + q
	case q == "":
		return p
	}
	return p + "/" + q
}
