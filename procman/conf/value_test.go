//go:build unix

package conf

import (
	"log/slog"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/procman"
)

func TestParseBool(t *testing.T) {
	for _, s := range []string{"true", "TRUE", "Yes", "on", "1"} {
		if b, err := parseBool(s); err != nil || !b {
			t.Errorf("parseBool(%q) = %v, %v; want true", s, b, err)
		}
	}
	for _, s := range []string{"false", "No", "OFF", "0"} {
		if b, err := parseBool(s); err != nil || b {
			t.Errorf("parseBool(%q) = %v, %v; want false", s, b, err)
		}
	}
	for _, s := range []string{"", "y", "2", "truee", " true"} {
		if _, err := parseBool(s); err == nil {
			t.Errorf("parseBool(%q) succeeded", s)
		}
	}
}

func TestParseInt(t *testing.T) {
	good := map[string]int{"0": 0, "42": 42, "-3": -3, "+7": 7, "007": 7, " 12 ": 12, "1_000": 1000}
	for s, want := range good {
		if n, err := parseInt(s); err != nil || n != want {
			t.Errorf("parseInt(%q) = %d, %v; want %d", s, n, err, want)
		}
	}
	for _, s := range []string{"", "abc", "1.5", "0x10", "_1", "1_", "1__0", "1 2", "99999999999999999999"} {
		if n, err := parseInt(s); err == nil {
			t.Errorf("parseInt(%q) = %d, want an error", s, n)
		}
	}
}

func TestParseSize(t *testing.T) {
	good := map[string]int64{"0": 0, "100": 100, "1KB": 1 << 10, "1kb": 1 << 10, "50MB": 50 << 20,
		"2GB": 2 << 30, "1 mb": 1 << 20, "-1MB": -(1 << 20)}
	for s, want := range good {
		if n, err := parseSize(s); err != nil || n != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", s, n, err, want)
		}
	}
	for _, s := range []string{"", "MB", "50M", "1.5MB", "1TB", "1B", "99999999999GB"} {
		if n, err := parseSize(s); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", s, n)
		}
	}
}

func TestParseOctal(t *testing.T) {
	good := map[string]int{"022": 0o22, "22": 0o22, "0": 0, "777": 0o777, "0o17": 0o17, "0O17": 0o17, "0o_17": 0o17, "-7": -7}
	for s, want := range good {
		if n, err := parseOctal(s); err != nil || n != want {
			t.Errorf("parseOctal(%q) = %#o, %v; want %#o", s, n, err, want)
		}
	}
	for _, s := range []string{"", "8", "0x1", "abc", "--1", "_7"} {
		if n, err := parseOctal(s); err == nil {
			t.Errorf("parseOctal(%q) = %#o, want an error", s, n)
		}
	}
	if _, err := parseUmask("1000"); err == nil {
		t.Error("parseUmask(1000) succeeded")
	}
	if _, err := parseUmask("-1"); err == nil {
		t.Error("parseUmask(-1) succeeded")
	}
}

func TestParseSignal(t *testing.T) {
	good := map[string]syscall.Signal{"TERM": syscall.SIGTERM, "sigterm": syscall.SIGTERM, "SIGHUP": syscall.SIGHUP,
		"int": syscall.SIGINT, " QUIT ": syscall.SIGQUIT, "KILL": syscall.SIGKILL, "9": syscall.SIGKILL, "15": syscall.SIGTERM}
	for s, want := range good {
		if sig, err := parseSignal(s); err != nil || sig != want {
			t.Errorf("parseSignal(%q) = %v, %v; want %v", s, sig, err, want)
		}
	}
	for _, s := range []string{"", "FOO", "SIG", "0", "-1", "999"} {
		if sig, err := parseSignal(s); err == nil {
			t.Errorf("parseSignal(%q) = %v, want an error", s, sig)
		}
	}
}

func TestParseExitCodes(t *testing.T) {
	good := map[string][]int{"0": {0}, "0,2": {0, 2}, " 1 , 2 ": {1, 2}, "255": {255}, "": {}}
	for s, want := range good {
		if c, err := parseExitCodes(s); err != nil || !reflect.DeepEqual(c, want) {
			t.Errorf("parseExitCodes(%q) = %v, %v; want %v", s, c, err, want)
		}
	}
	for _, s := range []string{"256", "-1", "0,", "a", "0;1"} {
		if c, err := parseExitCodes(s); err == nil {
			t.Errorf("parseExitCodes(%q) = %v, want an error", s, c)
		}
	}
}

func TestParseAutoRestart(t *testing.T) {
	good := map[string]procman.AutoRestart{"true": procman.RestartAlways, "Yes": procman.RestartAlways,
		"false": procman.RestartNever, "0": procman.RestartNever, "unexpected": procman.RestartUnexpected, "UNEXPECTED": procman.RestartUnexpected}
	for s, want := range good {
		if a, err := parseAutoRestart(s); err != nil || a != want {
			t.Errorf("parseAutoRestart(%q) = %v, %v; want %v", s, a, err, want)
		}
	}
	if _, err := parseAutoRestart("sometimes"); err == nil {
		t.Error("parseAutoRestart(sometimes) succeeded")
	}
}

func TestParseLogLevel(t *testing.T) {
	good := map[string]slog.Level{"critical": slog.LevelError + 4, "ERROR": slog.LevelError, "warn": slog.LevelWarn,
		"info": slog.LevelInfo, "debug": slog.LevelDebug, "trace": LevelTrace, "blather": LevelBlather}
	for s, want := range good {
		if l, err := parseLogLevel(s); err != nil || l != want {
			t.Errorf("parseLogLevel(%q) = %v, %v; want %v", s, l, err, want)
		}
	}
	if _, err := parseLogLevel("warning"); err == nil {
		t.Error("parseLogLevel(warning) succeeded; supervisord has warn only")
	}
}

func TestParseInetAddress(t *testing.T) {
	tests := []struct {
		in   string
		host string
		port int
	}{
		{"9001", "", 9001}, {"*:9001", "", 9001}, {":9001", "", 9001}, {"127.0.0.1:9001", "127.0.0.1", 9001},
		{"LocalHost:80", "localhost", 80}, {"[::1]:9001", "::1", 9001}, {"host:65535", "host", 65535},
	}
	for _, tt := range tests {
		h, p, err := parseInetAddress(tt.in)
		if err != nil || h != tt.host || p != tt.port {
			t.Errorf("parseInetAddress(%q) = %q, %d, %v; want %q, %d", tt.in, h, p, err, tt.host, tt.port)
		}
	}
	for _, s := range []string{"", "host:", "host", "0", "65536", "h:-1", "[::1:80", "a[b]:80"} {
		if h, p, err := parseInetAddress(s); err == nil {
			t.Errorf("parseInetAddress(%q) = %q, %d; want an error", s, h, p)
		}
	}
}

func TestParseDuration(t *testing.T) {
	good := map[string]time.Duration{"0": 0, "30": 30 * time.Second, "1m30s": 90 * time.Second, "500ms": 500 * time.Millisecond}
	for s, want := range good {
		if d, err := parseDuration(s); err != nil || d != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", s, d, err, want)
		}
	}
	for _, s := range []string{"", "1x", "99999999999999"} {
		if d, err := parseDuration(s); err == nil {
			t.Errorf("parseDuration(%q) = %v, want an error", s, d)
		}
	}
}

func TestCheckName(t *testing.T) {
	if n, err := checkName("  web \t"); err != nil || n != "web" {
		t.Errorf("checkName = %q, %v; want web", n, err)
	}
	for _, s := range []string{"", "  ", "a b", "a:b", "a/b", "a\tb"} {
		if n, err := checkName(s); err == nil {
			t.Errorf("checkName(%q) = %q, want an error", s, n)
		}
	}
}
