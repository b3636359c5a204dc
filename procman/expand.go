package procman

import (
	"fmt"
	"strings"
)

// Expand replaces supervisord's %(name)s and %(name)d expansions in s with
// vars: %(program_name)s, %(process_num)02d and the like, with printf's
// flags and width, and %% with %. An expansion whose name is not in vars,
// or that is malformed, is left as it is.
func Expand(s string, vars map[string]any) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		if s[i+1] == '%' {
			b.WriteByte('%')
			i++
			continue
		}
		if s[i+1] != '(' {
			b.WriteByte(c)
			continue
		}
		end := strings.IndexByte(s[i:], ')')
		if end < 0 {
			b.WriteString(s[i:])
			break
		}
		name := s[i+2 : i+end]
		j := i + end + 1
		k := j
		for k < len(s) && strings.IndexByte("-+ #0123456789.", s[k]) >= 0 {
			k++
		}
		v, ok := vars[name]
		if k == len(s) || !ok || (s[k] != 's' && s[k] != 'd') {
			b.WriteString(s[i:min(k+1, len(s))])
			i = k
			continue
		}
		b.WriteString(fmt.Sprintf("%"+s[j:k]+verb(s[k], v), v))
		i = k
	}
	return b.String()
}

// verb picks the printf verb for an expansion of conversion c with value v.
func verb(c byte, v any) string {
	if c == 'd' {
		if _, ok := v.(int); ok {
			return "d"
		}
	}
	return "v"
}
