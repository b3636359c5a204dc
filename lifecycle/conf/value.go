package conf

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// normKey returns key as keys compare: lower case, without underscores.
func normKey(key string) string {
	var b strings.Builder
	b.Grow(len(key))
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c == '_':
		case 'A' <= c && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// validKey reports whether key is made of ASCII letters, digits and
// underscores, with one letter or digit at least.
func validKey(key string) bool {
	alnum := false
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			alnum = true
		case c == '_':
		default:
			return false
		}
	}
	return alnum
}

// parseBool reads true/false, 1/0, yes/no and on/off, in any case.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return false, errors.New("not a bool (true, false, 1, 0, yes, no, on, off)")
}

// isInteger reports whether s is an optional sign and decimal digits.
func isInteger(s string) bool {
	s = strings.TrimLeft(s, "+-")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseDuration reads a Go duration ("30s", "1m30s", "-1s"); a bare
// integer other than 0 is refused, since its unit would be a guess.
func parseDuration(s string) (time.Duration, error) {
	if isInteger(s) && strings.Trim(s, "+-0") != "" {
		return 0, errors.New("a duration needs a unit, as in " + strings.TrimLeft(s, "+") + "s or 1m30s")
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New("not a duration (as in 30s, 1m30s or 250ms)")
	}
	return d, nil
}

// sizeUnit returns the bytes of the unit u, lower-cased, or false.
func sizeUnit(u string) (int64, bool) {
	switch u {
	case "", "b":
		return 1, true
	case "kb":
		return 1e3, true
	case "mb":
		return 1e6, true
	case "gb":
		return 1e9, true
	case "tb":
		return 1e12, true
	case "kib":
		return 1 << 10, true
	case "mib":
		return 1 << 20, true
	case "gib":
		return 1 << 30, true
	case "tib":
		return 1 << 40, true
	}
	return 0, false
}

// parseSize reads a number of bytes: an integer, with an optional sign and
// an optional unit (B, KB, MB, GB, TB in powers of 1000; KiB, MiB, GiB,
// TiB in powers of 1024; any case, a space before the unit allowed).
func parseSize(s string) (int64, error) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	j := i
	for j < len(s) && '0' <= s[j] && s[j] <= '9' {
		j++
	}
	if j == i {
		return 0, errors.New("not a size (as in 512, 64KiB or 50MB)")
	}
	mult, ok := sizeUnit(strings.ToLower(strings.TrimLeft(s[j:], " \t")))
	if !ok {
		return 0, errors.New("not a size: the unit must be B, KB, MB, GB, TB, KiB, MiB, GiB or TiB")
	}
	n, err := strconv.ParseInt(s[:j], 10, 64)
	if err != nil || n > math.MaxInt64/mult || n < math.MinInt64/mult {
		return 0, errors.New("size out of range")
	}
	return n * mult, nil
}

// parseList splits s at commas, trims each item and drops the empty ones.
func parseList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// intError turns a strconv error into a reason.
func intError(err error, what string) error {
	if errors.Is(err, strconv.ErrRange) {
		return errors.New(what + " out of range")
	}
	return errors.New("not " + what)
}

// suggest returns the name among names nearest to key, or "" when none is
// near enough to be a likely typo.
func suggest(key string, names []string) string {
	k := normKey(key)
	best, bestD := "", -1
	for _, name := range names {
		n := normKey(name)
		d := distance(k, n)
		if d <= max(1, len(n)/3) && (bestD < 0 || d < bestD) {
			best, bestD = name, d
		}
	}
	return best
}

// distance is the edit distance between a and b, in bytes, counting the
// swap of two neighbours as one edit (the optimal string alignment
// distance).
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	// d[i][j] is the distance between a[:i] and b[:j].
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
