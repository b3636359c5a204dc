package conf

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dmicro-go/dmicro/procman"
)

// The converters below read values as supervisord's datatypes module does.
// Each returns an error whose text follows the quoted value, as in
// `"abc" is not an integer`; the caller puts the place and key before it.

// parseBool reads true, yes, on, 1 or false, no, off, 0, in any case.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (true, false, yes, no, on, off, 1 or 0)", s)
}

// parseInt reads a decimal integer, as Python's int does: blanks around
// it, a sign, leading zeros, and '_' between digits are allowed.
func parseInt(s string) (int, error) {
	t := strings.TrimFunc(s, isSpace)
	if strings.Contains(t, "_") {
		t = dropUnderscores(t)
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%q is out of range", s)
		}
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	if n < math.MinInt || n > math.MaxInt {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return int(n), nil
}

// dropUnderscores removes the single '_' between two digits from s, as a
// Python literal may have them; any other '_' is left, and fails the parse.
func dropUnderscores(s string) string {
	b := []byte(s)
	out := b[:0]
	for i, c := range b {
		if c == '_' && i > 0 && i+1 < len(b) && isDigit(b[i-1]) && isDigit(b[i+1]) {
			continue
		}
		out = append(out, c)
	}
	return string(out)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parseSeconds reads a whole number of seconds, as startsecs and
// stopwaitsecs are.
func parseSeconds(s string) (time.Duration, error) {
	n, err := parseInt(s)
	if err != nil {
		return 0, err
	}
	if n > math.MaxInt64/int(time.Second) || n < math.MinInt64/int(time.Second) {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return time.Duration(n) * time.Second, nil
}

// parseDuration reads a procman-only duration: a whole number of seconds,
// as supervisord's keys have, or a Go duration such as "1m30s" or "500ms".
func parseDuration(s string) (time.Duration, error) {
	if d, err := parseSeconds(s); err == nil {
		return d, nil
	}
	d, err := time.ParseDuration(strings.TrimFunc(s, isSpace))
	if err != nil {
		return 0, fmt.Errorf("%q is neither a number of seconds nor a duration such as 1m30s", s)
	}
	return d, nil
}

// parseSize reads a number of bytes with an optional KB, MB or GB suffix
// (any case; powers of 1024), as supervisord's byte_size does.
func parseSize(s string) (int64, error) {
	t := strings.ToLower(s)
	mult := int64(1)
	if len(t) >= 2 {
		switch t[len(t)-2:] {
		case "kb":
			mult = 1 << 10
		case "mb":
			mult = 1 << 20
		case "gb":
			mult = 1 << 30
		}
		if mult > 1 {
			t = t[:len(t)-2]
		}
	}
	n, err := parseInt(t)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size: a number of bytes, or of KB, MB or GB", s)
	}
	if n > math.MaxInt64/int(mult) || n < math.MinInt64/int(mult) {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return int64(n) * mult, nil
}

// parseOctal reads an octal number, with or without a leading 0 or 0o, as
// Python's int(s, 8) does.
func parseOctal(s string) (int, error) {
	t := strings.TrimFunc(s, isSpace)
	neg := strings.HasPrefix(t, "-")
	if neg || strings.HasPrefix(t, "+") {
		t = t[1:]
	}
	if len(t) > 2 && (t[:2] == "0o" || t[:2] == "0O") {
		t = strings.TrimPrefix(t[2:], "_")
	}
	if strings.Contains(t, "_") {
		t = dropUnderscores(t)
	}
	n, err := strconv.ParseUint(t, 8, 31)
	if err != nil {
		return 0, fmt.Errorf("%q is not an octal number", s)
	}
	if neg {
		return -int(n), nil
	}
	return int(n), nil
}

// parseUmask reads an octal umask from 0 to 0777.
func parseUmask(s string) (int, error) {
	n, err := parseOctal(s)
	if err != nil {
		return 0, err
	}
	if n < 0 || n > 0o777 {
		return 0, fmt.Errorf("%q is not a umask from 0 to 777 (octal)", s)
	}
	return n, nil
}

// parseSignal reads a signal by name, with or without SIG, in any case
// (TERM, sigterm, SIGTERM), or by number, as procman.ParseSignal does.
func parseSignal(s string) (syscall.Signal, error) {
	sig, err := procman.ParseSignal(strings.TrimFunc(s, isSpace))
	if err != nil {
		return 0, fmt.Errorf("%q is not a signal (such as TERM, HUP, INT, QUIT, KILL, USR1 or USR2)", s)
	}
	return sig, nil
}

// parseExitCodes reads a comma-separated list of exit codes from 0 to 255;
// an empty value is an empty list: no exit is expected.
func parseExitCodes(s string) ([]int, error) {
	codes := []int{}
	if s == "" {
		return codes, nil
	}
	for _, f := range strings.Split(s, ",") {
		n, err := parseInt(f)
		if err != nil || n < 0 || n > 255 {
			return nil, fmt.Errorf("%q is not a list of exit codes from 0 to 255, separated by commas", s)
		}
		codes = append(codes, n)
	}
	return codes, nil
}

// parseAutoRestart reads true (or another true boolean), false (or another
// false one) or unexpected.
func parseAutoRestart(s string) (procman.AutoRestart, error) {
	if strings.ToLower(s) == "unexpected" {
		return procman.RestartUnexpected, nil
	}
	b, err := parseBool(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not true, false or unexpected", s)
	}
	if b {
		return procman.RestartAlways, nil
	}
	return procman.RestartNever, nil
}

// LevelTrace and LevelBlather are the slog levels of supervisord's two
// levels below debug, trace and blather.
const (
	LevelTrace   = slog.LevelDebug - 2
	LevelBlather = slog.LevelDebug - 4
)

// parseLogLevel reads supervisord's log levels: critical, error, warn,
// info, debug, trace and blather, in any case.
func parseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "critical":
		return slog.LevelError + 4, nil
	case "error":
		return slog.LevelError, nil
	case "warn":
		return slog.LevelWarn, nil
	case "info":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	case "trace":
		return LevelTrace, nil
	case "blather":
		return LevelBlather, nil
	}
	return 0, fmt.Errorf("%q is not a log level (critical, error, warn, info, debug, trace or blather)", s)
}

// parseInetAddress reads [inet_http_server] port: "host:port", "*:port",
// ":port" or a bare port; the host is lower-cased, "*" and "" mean every
// interface, and brackets around an IPv6 address are dropped.
func parseInetAddress(s string) (host string, port int, err error) {
	portText := s
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		host, portText = strings.ToLower(s[:i]), s[i+1:]
		if portText == "" {
			return "", 0, fmt.Errorf("%q has no port number after its ':'", s)
		}
	}
	port, err = parseInt(portText)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("%q is not a port from 1 to 65535, nor host:port", s)
	}
	if host == "*" {
		host = ""
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if strings.ContainsAny(host, "[]") {
		return "", 0, fmt.Errorf("%q has a malformed host", s)
	}
	return host, port, nil
}

// checkName checks a program, process or group name as supervisord does:
// after stripping blanks, it has no space, ':' or '/'. procman also
// refuses tabs, line breaks and an empty name.
func checkName(s string) (string, error) {
	t := strings.TrimFunc(s, isSpace)
	switch {
	case t == "":
		return "", errors.New("the name is empty")
	case strings.ContainsAny(t, " :/\t\r\n"):
		return "", fmt.Errorf("%q has a space, tab, line break, ':' or '/' in it", t)
	}
	return t, nil
}
