package lifecycle

import (
	"strings"
	"testing"
)

// TestLogFollowOrder pushes numbered lines out of order, as the
// connection's concurrent push handlers may deliver them: the follow
// writes them in order, drops those that come after it stopped, and goes
// on past a gap that does not fill.
func TestLogFollowOrder(t *testing.T) {
	var f logFollow
	var out strings.Builder
	f.push(LogLine{Line: "before\n", Seq: 1}) // no follow runs
	f.start(&out)
	for _, seq := range []uint64{3, 1, 2, 2, 5, 4} {
		f.push(LogLine{Line: "line " + string(rune('0'+seq)), Seq: seq})
	}
	f.push(LogLine{Line: "unnumbered\n"})
	if want := "line 1\nline 2\nline 3\nline 4\nline 5\nunnumbered\n"; out.String() != want {
		t.Errorf("the follow wrote %q; want %q", out.String(), want)
	}
	out.Reset()
	// Line 6 never comes: once maxHeld lines wait, the follow skips it.
	for seq := uint64(7); seq <= 7+maxHeld; seq++ {
		f.push(LogLine{Line: "x", Seq: seq})
	}
	if n := strings.Count(out.String(), "x\n"); n != maxHeld+1 {
		t.Errorf("after the gap the follow wrote %d lines; want %d", n, maxHeld+1)
	}
	if lost := f.stop(); lost != 1 {
		t.Errorf("stop reports %d lines lost; want 1", lost)
	}
	out.Reset()
	f.push(LogLine{Line: "after\n", Seq: 9000})
	if out.String() != "" {
		t.Errorf("a line after stop was written: %q", out.String())
	}
}
