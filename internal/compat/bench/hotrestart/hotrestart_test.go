//go:build unix

package hotrestart

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHotRestart runs the command briefly, as make bench-hotrestart does
// at length, and checks that its table has every row for both systems.
// It asserts no numbers: a reload's timing on a shared machine is not
// deterministic, and neither is a rare failed request (see BENCHMARKS.md).
func TestHotRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds both servers and hot-restarts them")
	}
	cmd := exec.Command("go", "run", "./cmd/hotrestart", "-runs", "1", "-reloads", "2", "-clients", "4",
		"-warmup", "200ms", "-pause", "200ms", "-tail", "200ms")
	cmd.Dir = "../"
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("hotrestart: %v\n%s", err, out)
	}
	t.Logf("%s", out)
	for _, row := range []string{"| | dmicro | tableflip |", "| requests failed, all runs |",
		"| latency p99 |", "| reload → new pid serving, median of all reloads |",
		"| longest stall of a client in a reload window, median |"} {
		if !strings.Contains(string(out), row) {
			t.Errorf("no row %q", row)
		}
	}
}

// TestClassify names failures by cause, without addresses.
func TestClassify(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf(`Get "http://127.0.0.1:1/": %w`, io.EOF), "EOF"},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), "connection reset"},
		{fmt.Errorf("dial: %w", syscall.ECONNREFUSED), "connection refused"},
		{fmt.Errorf("body: %w", io.ErrUnexpectedEOF), "unexpected EOF"},
		{errors.New("Get x: status 503"), "status 503"},
	} {
		if got := classify(c.err); got != c.want {
			t.Errorf("classify(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

// TestResult sums up clients: the longest stall of one client, the
// longest time without any answer, and latency percentiles.
func TestResult(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	l := &load{end: ms(100), clients: []*client{
		{ok: []time.Duration{ms(10), ms(20), ms(70), ms(90)}, latency: []time.Duration{ms(1), ms(2), ms(3), ms(50)},
			failures: map[string]int{"EOF": 1}, failed: []Failure{{At: ms(50), Kind: "EOF"}}},
		{ok: []time.Duration{ms(15), ms(60), ms(95)}, latency: []time.Duration{ms(4), ms(5), ms(6)}, failures: map[string]int{}},
	}}
	r := l.result("x")
	if r.OK != 7 || r.Failed != 1 || r.Failures["EOF"] != 1 || len(r.FailedAt) != 1 {
		t.Errorf("counts: %+v", r)
	}
	if r.Stall != ms(50) { // client 0, 20 → 70
		t.Errorf("stall %v, want 50ms", r.Stall)
	}
	if r.Quiet != ms(40) { // 20 → 60
		t.Errorf("quiet %v, want 40ms", r.Quiet)
	}
	if r.P50 != ms(4) || r.Max != ms(50) {
		t.Errorf("p50 %v max %v, want 4ms and 50ms", r.P50, r.Max)
	}
	// Gaps ending at 20 (10), 60 (45), 70 (50), 90 (20) and 95 (35).
	if got, want := l.stalls([]window{{0, ms(50)}, {ms(50), ms(65)}, {ms(80), ms(100)}}), []time.Duration{ms(10), ms(45), ms(35)}; !slices.Equal(got, want) {
		t.Errorf("stalls %v, want %v", got, want)
	}
}
