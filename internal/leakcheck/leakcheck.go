package leakcheck

import (
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// wait is how long Main and Check give goroutines and files to go away.
const wait = 5 * time.Second

// mainWait is the wait of Main. The tests of this package shorten it in the
// sub-process that checks Main itself.
var mainWait = wait

// Main runs the tests, then fails (exit status 1, stacks printed to stderr)
// if goroutines other than the runtime's and the testing package's, and
// other than those already running before the tests (started by package
// initialisers, such as a library's timer scheduler), are still alive
// after up to 5 s of retries. It checks only when the tests passed: a
// failing test often leaves goroutines behind, and their stacks would bury
// the real failure. Main calls [os.Exit] itself. Use:
//
//	func TestMain(m *testing.M) { leakcheck.Main(m) }
func Main(m *testing.M) {
	before := goroutines()
	code := m.Run()
	if code == 0 {
		if leaked := waitGoroutines(before, time.Now().Add(mainWait)); len(leaked) > 0 {
			fmt.Fprintf(os.Stderr, "leakcheck: %d goroutine(s) still running after the tests:\n\n%s\n",
				len(leaked), strings.Join(leaked, "\n\n"))
			code = 1
		}
	}
	os.Exit(code)
}

// Check records the goroutines and (on Linux) the open file descriptors now
// and registers a t.Cleanup that, when the test ends, waits up to 5 s for
// every goroutine started since to end and for the count of open file
// descriptors to return to at most what it was. Otherwise it reports the
// leaked stacks, or the targets of the extra descriptors, with t.Errorf.
// Call it first in the test, so that its cleanup runs after the others.
func Check(t testing.TB) {
	t.Helper()
	check(t, wait)
}

func check(t testing.TB, timeout time.Duration) {
	t.Helper()
	before := goroutines()
	fds, fdErr := openFDs()
	t.Cleanup(func() {
		deadline := time.Now().Add(timeout)
		if leaked := waitGoroutines(before, deadline); len(leaked) > 0 {
			t.Errorf("leakcheck: %d goroutine(s) leaked:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
		}
		if fdErr != nil {
			return // no /proc/self/fd: not Linux, or no procfs mounted
		}
		if extra := waitFDs(fds, deadline); len(extra) > 0 {
			t.Errorf("leakcheck: %d file descriptor(s) leaked: %s", len(extra), strings.Join(extra, ", "))
		}
	})
}

// waitGoroutines polls until no goroutine outside before (nil: none) is
// alive, or until deadline. It returns the stacks of those still alive.
func waitGoroutines(before map[int64]string, deadline time.Time) []string {
	for pause := time.Millisecond; ; pause = min(2*pause, 100*time.Millisecond) {
		var leaked []string
		now := goroutines()
		for _, id := range slices.Sorted(maps.Keys(now)) {
			if _, ok := before[id]; !ok {
				leaked = append(leaked, now[id])
			}
		}
		if len(leaked) == 0 || time.Now().After(deadline) {
			return leaked
		}
		time.Sleep(pause)
	}
}

// goroutines returns the stacks of the goroutines that may be leaks, keyed
// by goroutine id. It leaves out the calling goroutine.
func goroutines() map[int64]string {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := make(map[int64]string)
	// The first stack is the calling goroutine's (documented by runtime.Stack).
	for i, g := range strings.Split(string(buf), "\n\n") {
		g = strings.TrimSpace(g)
		id, ok := goroutineID(g)
		if i == 0 || !ok || ignored(g) {
			continue
		}
		out[id] = g
	}
	return out
}

// goroutineID parses the id in the "goroutine N [state]:" header.
func goroutineID(stack string) (int64, bool) {
	rest, ok := strings.CutPrefix(stack, "goroutine ")
	if !ok {
		return 0, false
	}
	end := strings.IndexAny(rest, " [")
	if end < 0 {
		return 0, false
	}
	id, err := strconv.ParseInt(rest[:end], 10, 64)
	return id, err == nil
}

// testFrames mark the goroutines of the testing package that run tests,
// including other tests running in parallel.
var testFrames = []string{"testing.tRunner(", "testing.fRunner(", "testing.(*M).", "testing.Main("}

// stdPrefixes are the packages whose goroutines are not ours.
var stdPrefixes = []string{"runtime.", "runtime/", "testing.", "testing/", "os/signal.", "internal/"}

// poolFrames mark the process-wide worker pools that a dependency starts
// once, on first use, and keeps for the life of the process: they belong
// to no connection and no test.
var poolFrames = []string{
	"github.com/xtaci/kcp-go/v5.postProcessWorker(", // kcp-go's packet post-processing pool
	"github.com/xtaci/kcp-go/v5.(*TimedSched).run(", // kcp-go's update scheduler
}

// ignored reports whether a goroutine's stack belongs to the runtime, the
// testing machinery or a dependency's process-wide pool rather than to the
// code under test.
func ignored(stack string) bool {
	for _, f := range poolFrames {
		if strings.Contains(stack, f) {
			return true
		}
	}
	for _, f := range testFrames {
		if strings.Contains(stack, f) {
			return true
		}
	}
	lines := strings.Split(stack, "\n")
	for _, line := range lines[1:] {
		fn := frameFunc(line)
		if fn == "" {
			continue
		}
		if !slices.ContainsFunc(stdPrefixes, func(p string) bool { return strings.HasPrefix(fn, p) }) {
			return false
		}
	}
	return true
}

// frameFunc returns the function named by a line of a stack, or "" for file
// lines and notes such as "...additional frames elided...".
func frameFunc(line string) string {
	if line == "" || line[0] == '\t' || strings.HasPrefix(line, "...") {
		return ""
	}
	if fn, ok := strings.CutPrefix(line, "created by "); ok {
		fn, _, _ = strings.Cut(fn, " in goroutine ")
		return fn
	}
	if i := strings.LastIndexByte(line, '('); i > 0 && strings.HasSuffix(line, ")") {
		return line[:i]
	}
	return line
}

// waitFDs polls until at most len(before) file descriptors are open, not
// counting the runtime's own, or until deadline. It returns "fd N -> target"
// for the descriptors open now that were not open before, when there are too
// many.
func waitFDs(before map[int]string, deadline time.Time) []string {
	for pause := time.Millisecond; ; pause = min(2*pause, 100*time.Millisecond) {
		now, err := openFDs()
		if err != nil {
			return nil
		}
		var extra []string
		count := len(now)
		for _, fd := range slices.Sorted(maps.Keys(now)) {
			target := now[fd]
			if old, ok := before[fd]; ok && old == target {
				continue
			}
			if runtimeFD(target) {
				count--
				continue
			}
			extra = append(extra, fmt.Sprintf("fd %d -> %s", fd, target))
		}
		if count <= len(before) {
			return nil
		}
		if time.Now().After(deadline) {
			return extra
		}
		time.Sleep(pause)
	}
}

// runtimeFD reports whether target is a descriptor the Go runtime opens for
// itself and keeps for the life of the process (the network poller's).
func runtimeFD(target string) bool {
	return target == "anon_inode:[eventpoll]" || target == "anon_inode:[eventfd]"
}

// openFDs returns the open file descriptors of the process, mapping each
// number to its readlink target. It fails where /proc/self/fd is missing.
func openFDs() (map[int]string, error) {
	if runtime.GOOS != "linux" {
		return nil, fmt.Errorf("leakcheck: no /proc/self/fd on %s", runtime.GOOS)
	}
	dir, err := os.Open("/proc/self/fd")
	if err != nil {
		return nil, fmt.Errorf("leakcheck: %w", err)
	}
	defer dir.Close()
	names, err := dir.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("leakcheck: %w", err)
	}
	self := int(dir.Fd())
	fds := make(map[int]string, len(names))
	for _, name := range names {
		fd, err := strconv.Atoi(name)
		if err != nil || fd == self {
			continue
		}
		target, err := os.Readlink("/proc/self/fd/" + name)
		if err != nil {
			continue // closed since the listing
		}
		fds[fd] = target
	}
	return fds, nil
}
