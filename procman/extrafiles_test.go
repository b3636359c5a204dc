//go:build unix

package procman_test

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/procman"
)

// TestExtraFiles: a program's ExtraFiles reach its process from fd 3 on,
// at every start: the process restarted after a crash gets the same files,
// and the supervisor does not close them.
func TestExtraFiles(t *testing.T) {
	s, ev := newSup(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	r.SetReadDeadline(time.Now().Add(testTimeout))
	br := bufio.NewReader(r)
	readPid := func() int {
		t.Helper()
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the pipe the child writes to: %v", err)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(line))
		if err != nil {
			t.Fatalf("the child wrote %q", line)
		}
		return pid
	}

	p := helper("extra", "fd 3")
	p.ExtraFiles = []*os.File{w}
	p.AutoRestart = procman.RestartAlways
	must(t, s.Add(p))
	first := readPid()
	if info, _ := s.Info("extra"); info.Pid != first {
		t.Fatalf("the child wrote pid %d; the supervisor runs %+v", first, info)
	}
	must(t, syscall.Kill(first, syscall.SIGKILL))
	second := readPid()
	if second == first {
		t.Fatalf("pid %d wrote twice", first)
	}
	ev.waitFor(t, "the restarted child to be known", func() bool {
		info, _ := s.Info("extra")
		return info.Pid == second
	})

	must(t, s.Remove(testCtx(t), "extra"))
	// The supervisor did not close the write end: it still works here.
	if _, err := w.WriteString("after\n"); err != nil {
		t.Fatalf("the write end was closed: %v", err)
	}
	w.Close()
	if line, err := br.ReadString('\n'); line != "after\n" || err != nil {
		t.Fatalf("read %q, %v", line, err)
	}
	// With the children gone and our end closed, the pipe ends.
	if line, err := br.ReadString('\n'); !errors.Is(err, io.EOF) {
		t.Fatalf("read %q, %v; want EOF", line, err)
	}
}
