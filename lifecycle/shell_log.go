package lifecycle

import (
	"context"
	"flag"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// cmdLog follows the app's log at a level and above, until Ctrl-C
// (SIGINT), the end of the input when ctl runs it as its one command, or
// the app's process going away (a reload or a stop). It then ends the
// follow and says how many lines were dropped, if any.
func cmdLog(sh *shell, ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("log", flag.ContinueOnError)
	fs.SetOutput(sh.errOut)
	var level string
	fs.StringVar(&level, "l", "", "the least `level` of the lines: debug, info, warn or error (default debug)")
	fs.StringVar(&level, "level", "", "the same as -l")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if fs.NArg() > 0 {
		sh.errorf("log: unexpected argument %q; usage: log [-l LEVEL]", fs.Arg(0))
		return ExitUsage
	}
	if _, ok := parseLevel(level); !ok {
		sh.errorf("log: unknown level %q: want debug, info, warn or error", level)
		return ExitUsage
	}
	if level == "" {
		level = "debug"
	}
	info, err := sh.info(ctx)
	if err != nil {
		return sh.fail(ctx, "log", err)
	}
	c := sh.conn
	select {
	case <-sh.moves: // a move before this follow
	default:
	}
	sh.follow.start(sh.out)
	if err := c.call(ctx, ctlLog, LogArg{Level: level}, nil); err != nil {
		sh.follow.stop()
		return sh.fail(ctx, "log", err)
	}
	sh.errorf("following the log of pid %d at level %s and above; Ctrl-C ends it", info.Pid, level)
	gone := false
	select {
	case <-ctx.Done():
	case <-sh.moves:
		gone = true
	case <-c.sess.Done():
		gone = true
	}
	var end LogEnd
	if !gone {
		ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		c.call(ectx, ctlLogStop, struct{}{}, &end)
		cancel()
	}
	lost := sh.follow.stop()
	if !gone && sh.ed != nil && sh.ed.IsTerminal() {
		io.WriteString(sh.out, "\n") // after the ^C the terminal echoed
	}
	if gone {
		sh.errorf("log: pid %d went away (a reload or a stop); the follow ended", info.Pid)
	}
	if n := end.Dropped + lost; n > 0 {
		sh.errorf("log: %d lines dropped: they came faster than the shell took them", n)
	}
	return ExitOK
}

// completeLog completes log's flag and its level.
func completeLog(_ *shell, args []string, word string) []string {
	if n := len(args); n > 0 && (args[n-1] == "-l" || args[n-1] == "-level" || args[n-1] == "--level") {
		return []string{"debug", "info", "warn", "error"}
	}
	if strings.HasPrefix(word, "-") && !slices.Contains(args, "-l") {
		return []string{"-l"}
	}
	return nil
}

// maxHeld bounds the lines a follow holds back while it waits for an
// earlier one; a gap that has not filled by then is a line lost on the
// way (a push the connection dropped), and the follow goes on after it.
const maxHeld = 1024

// logFollow writes the log lines the app pushes during a log command to
// the shell's output, in the order of their numbers: the connection runs
// push handlers concurrently, so they may come in another. It is safe for
// concurrent use.
type logFollow struct {
	mu   sync.Mutex
	out  io.Writer // nil when no follow runs
	next uint64    // the number of the next line to write
	held map[uint64]string
	lost int
}

// start begins a follow that writes to out.
func (f *logFollow) start(out io.Writer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.out, f.next, f.held, f.lost = out, 1, make(map[uint64]string), 0
}

// stop ends the follow: lines that come later are dropped. It returns how
// many lines were lost on the way.
func (f *logFollow) stop() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.out, f.held = nil, nil
	return f.lost
}

// push takes a line the app pushed.
func (f *logFollow) push(l LogLine) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.out == nil {
		return
	}
	if l.Seq == 0 { // an app that does not number its lines
		f.write(l.Line)
		return
	}
	if l.Seq < f.next {
		return
	}
	f.held[l.Seq] = l.Line
	f.flush()
	if len(f.held) > maxHeld {
		first := slices.Min(slices.Collect(maps.Keys(f.held)))
		f.lost += int(first - f.next)
		f.next = first
		f.flush()
	}
}

// flush writes the held lines that are next in order.
func (f *logFollow) flush() {
	for {
		line, ok := f.held[f.next]
		if !ok {
			return
		}
		delete(f.held, f.next)
		f.next++
		f.write(line)
	}
}

func (f *logFollow) write(line string) {
	if !strings.HasSuffix(line, "\n") {
		line += "\n"
	}
	io.WriteString(f.out, line)
}
