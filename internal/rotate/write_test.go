package rotate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// floodLine returns line seq of goroutine g: its number, a payload whose
// length varies with seq, and a checksum of the rest.
func floodLine(g, seq int) string {
	body := fmt.Sprintf("g%02d s%06d %s", g, seq, strings.Repeat(string(rune('a'+g)), seq%53))
	return fmt.Sprintf("%s crc%08x\n", body, crc32.ChecksumIEEE([]byte(body)))
}

// parseFloodLine checks a line written by floodLine (without its '\n')
// and returns its goroutine and sequence number.
func parseFloodLine(line string) (g, seq int, err error) {
	i := strings.LastIndex(line, " crc")
	if i < 0 {
		return 0, 0, fmt.Errorf("no checksum in %q", line)
	}
	body := line[:i]
	if want := fmt.Sprintf("%08x", crc32.ChecksumIEEE([]byte(body))); line[i+4:] != want {
		return 0, 0, fmt.Errorf("bad checksum in %q", line)
	}
	if _, err := fmt.Sscanf(body, "g%02d s%06d", &g, &seq); err != nil {
		return 0, 0, fmt.Errorf("%q: %v", line, err)
	}
	if body != floodLine(g, seq)[:len(body)] {
		return 0, 0, fmt.Errorf("corrupt line %q", line)
	}
	return g, seq, nil
}

// TestWriteFlood writes lines from several goroutines at once into a File
// that rotates often, follows them all with Follow, and checks that the
// files hold exactly the last of them, as whole lines in whole files, and
// the follower every one once.
func TestWriteFlood(t *testing.T) {
	const (
		writers  = 8
		lines    = 1500
		maxBytes = 16 << 10
	)
	for _, backups := range []int{3, 200} {
		t.Run(fmt.Sprintf("backups=%d", backups), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "app.log")
			f := open(t, Config{Path: path, MaxBytes: maxBytes, Backups: backups, FollowBuffer: 64 << 20})
			var stream syncBuffer
			followed := follow(context.Background(), f, &stream)

			var wg sync.WaitGroup
			for g := range writers {
				wg.Go(func() {
					for seq := range lines {
						if _, err := f.Write([]byte(floodLine(g, seq))); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if err := <-followed; err != nil {
				t.Fatalf("Follow: %v", err)
			}

			// The follower saw every line once, each goroutine's in order.
			all := stream.Bytes()
			next := make([]int, writers)
			for line := range strings.Lines(string(all)) {
				g, seq, err := parseFloodLine(strings.TrimSuffix(line, "\n"))
				if err != nil {
					t.Fatal(err)
				}
				if seq != next[g] {
					t.Fatalf("goroutine %d: line %d after %d", g, seq, next[g]-1)
				}
				next[g]++
			}
			for g, n := range next {
				if n != lines {
					t.Errorf("goroutine %d: followed %d lines, want %d", g, n, lines)
				}
			}
			if len(all) <= (backups+1)*maxBytes && backups < 10 {
				t.Fatalf("wrote only %d bytes: too few to drop a file", len(all))
			}

			// The files are Path, Path.1 ... Path.K with K <= backups.
			var files []string // oldest first
			for k := backups + 1; k >= 1; k-- {
				if _, err := os.Stat(f.backup(k)); err == nil {
					files = append(files, f.backup(k))
				}
			}
			files = append(files, path)
			k := len(files) - 1
			if k > backups || len(names(t, dir)) != len(files) {
				t.Fatalf("files %q, want app.log and at most %d backups", names(t, dir), backups)
			}
			if k < 3 {
				t.Fatalf("only %d rotations", k)
			}
			if backups < 10 && k != backups {
				t.Fatalf("%d backups, want %d", k, backups)
			}

			// Each file holds whole lines, within MaxBytes, and rotated
			// only because the next line did not fit; together they are
			// the end of the stream.
			var kept []byte
			var prev []byte
			for i, name := range files {
				b := []byte(contents(t, name))
				if len(b) == 0 || len(b) > maxBytes || b[len(b)-1] != '\n' {
					t.Fatalf("%s: %d bytes, ending %q", name, len(b), b[max(len(b)-1, 0):])
				}
				if i > 0 {
					first := b[:bytes.IndexByte(b, '\n')+1]
					if len(prev)+len(first) <= maxBytes {
						t.Errorf("%s rotated at %d bytes, but its next line of %d bytes fit", files[i-1], len(prev), len(first))
					}
				}
				kept = append(kept, b...)
				prev = b
			}
			if !bytes.HasSuffix(all, kept) {
				t.Fatal("the files are not the end of what was written")
			}
			if start := len(all) - len(kept); start > 0 && all[start-1] != '\n' {
				t.Fatal("the oldest file begins inside a line")
			}
			if backups >= 10 && len(kept) != len(all) {
				t.Fatalf("files hold %d bytes, wrote %d", len(kept), len(all))
			}
		})
	}
}

func TestWritePartialLine(t *testing.T) {
	f := open(t, Config{MaxBytes: 20, Backups: 5})
	check := func(want map[string]string) {
		t.Helper()
		for name, w := range want {
			if got := contents(t, name); got != w {
				t.Errorf("%s = %q, want %q", filepath.Base(name), got, w)
			}
		}
	}
	write(t, f, "aaaaaaaaaa\n", "bbbbbbbb")
	check(map[string]string{f.path: "aaaaaaaaaa\nbbbbbbbb"}) // written at once

	// The line goes past MaxBytes to be finished; the next one rotates.
	write(t, f, "bbbb\ncc\n")
	check(map[string]string{
		f.backup(1): "aaaaaaaaaa\nbbbbbbbbbbbb\n",
		f.path:      "cc\n",
	})

	// A partial line that does not fit at a line boundary rotates first,
	// then stays in the new file however long it grows.
	write(t, f, "dddddddddddd\n", "eeeeeeee", "eeee", "eeee\n")
	check(map[string]string{
		f.backup(3): "<none>",
		f.backup(2): "aaaaaaaaaa\nbbbbbbbbbbbb\n",
		f.backup(1): "cc\ndddddddddddd\n",
		f.path:      "eeeeeeeeeeeeeeee\n",
	})
	if f.Size() != 17 {
		t.Errorf("Size = %d, want 17", f.Size())
	}
}

// TestWriteAppends checks that Open keeps what the file holds, counts it
// towards MaxBytes, and finishes a partial line it ends in.
func TestWriteAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(path, []byte("old\nhalf"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := open(t, Config{Path: path, MaxBytes: 10, Backups: 1})
	if f.Size() != 8 {
		t.Fatalf("Size = %d, want 8", f.Size())
	}
	write(t, f, " line\n", "new\n")
	if got, want := contents(t, path+".1"), "old\nhalf line\n"; got != want {
		t.Errorf("app.log.1 = %q, want %q", got, want)
	}
	if got, want := contents(t, path), "new\n"; got != want {
		t.Errorf("app.log = %q, want %q", got, want)
	}
}

func TestWriteLongLine(t *testing.T) {
	long := strings.Repeat("L", 30) + "\n"
	f := open(t, Config{MaxBytes: 10, Backups: 5})
	write(t, f, "short\n", long, "x\n")
	write(t, f, "a\n"+long+"b\n")
	for name, want := range map[string]string{
		f.backup(4): "short\n",
		f.backup(3): long,
		f.backup(2): "x\na\n",
		f.backup(1): long,
		f.path:      "b\n",
	} {
		if got := contents(t, name); got != want {
			t.Errorf("%s = %q, want %q", filepath.Base(name), got, want)
		}
	}
	// A long line without its end yet is still one line.
	write(t, f, strings.Repeat("P", 25), "P\n", "y\n")
	if got, want := contents(t, f.backup(1)), strings.Repeat("P", 26)+"\n"; got != want {
		t.Errorf("app.log.1 = %q, want %q", got, want)
	}
}

func TestWriteNoBackups(t *testing.T) {
	f := open(t, Config{MaxBytes: 10})
	write(t, f, "one\n", "two\n", "three\n", "four\n", "five\n")
	if got := names(t, filepath.Dir(f.path)); len(got) != 1 {
		t.Fatalf("files %q, want only app.log", got)
	}
	if got := contents(t, f.path); got != "four\nfive\n" {
		t.Fatalf("app.log = %q, want the lines since the last truncation", got)
	}
	if f.Size() != 10 {
		t.Fatalf("Size = %d, want 10", f.Size())
	}
}

func TestWriteNoRotation(t *testing.T) {
	f := open(t, Config{Backups: 3})
	line := strings.Repeat("z", 99) + "\n"
	for range 1000 {
		write(t, f, line)
	}
	if got := names(t, filepath.Dir(f.path)); len(got) != 1 {
		t.Fatalf("files %q, want only app.log", got)
	}
	if f.Size() != 100000 {
		t.Fatalf("Size = %d, want 100000", f.Size())
	}
}

// TestWriteRotateFails puts a directory where app.log.1 goes, so that every
// rename fails (for root too), and checks that nothing written is lost,
// that errors come once per MaxBytes, and that rotation resumes.
func TestWriteRotateFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	blocker := path + ".1"
	if err := os.MkdirAll(filepath.Join(blocker, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	var errs []error
	f := open(t, Config{Path: path, MaxBytes: 10, Backups: 1, OnError: func(err error) {
		errs = append(errs, err)
	}})
	write(t, f, "aaaa\n", "bbbb\n", "cccc\n", "dddd\n")
	if len(errs) != 1 {
		t.Fatalf("%d errors after one failed rotation: %v", len(errs), errs)
	}
	if !errors.Is(errs[0], ErrRotate) || !strings.Contains(errs[0].Error(), blocker) {
		t.Errorf("error %q: want ErrRotate naming %s", errs[0], blocker)
	}
	write(t, f, "eeee\n")
	if len(errs) != 2 {
		t.Fatalf("%d errors after MaxBytes more: %v", len(errs), errs)
	}
	if got := contents(t, path); got != "aaaa\nbbbb\ncccc\ndddd\neeee\n" {
		t.Fatalf("app.log = %q: lost bytes", got)
	}

	// OnError nil: Write returns the error, having written everything.
	f.onError = nil
	write(t, f, "ffff\n")
	n, err := f.Write([]byte("gggg\n"))
	if n != 5 || !errors.Is(err, ErrRotate) {
		t.Fatalf("Write = %d, %v; want 5, ErrRotate", n, err)
	}

	if err := os.RemoveAll(blocker); err != nil {
		t.Fatal(err)
	}
	write(t, f, "hhhh\n", "iiii\n")
	if got, want := contents(t, blocker), "aaaa\nbbbb\ncccc\ndddd\neeee\nffff\ngggg\nhhhh\n"; got != want {
		t.Fatalf("app.log.1 = %q, want %q", got, want)
	}
	if got := contents(t, path); got != "iiii\n" {
		t.Fatalf("app.log = %q, want %q", got, "iiii\n")
	}
}

func TestWriteClosed(t *testing.T) {
	f := open(t, Config{})
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("x\n")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after Close: %v, want os.ErrClosed", err)
	}
	if err := f.Close(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("second Close: %v, want os.ErrClosed", err)
	}
}

// TestWriteBackupsShrunk checks that a lower Backups drops the file past it
// at the next rotation and leaves older ones from an earlier configuration.
func TestWriteBackupsShrunk(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	for k := 1; k <= 4; k++ {
		if err := os.WriteFile(path+"."+strconv.Itoa(k), []byte("old "+strconv.Itoa(k)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := open(t, Config{Path: path, MaxBytes: 4, Backups: 2})
	write(t, f, "new\n", "now\n")
	for name, want := range map[string]string{
		path + ".4": "old 4\n",
		path + ".3": "old 3\n",
		path + ".2": "old 1\n",
		path + ".1": "new\n",
		path:        "now\n",
	} {
		if got := contents(t, name); got != want {
			t.Errorf("%s = %q, want %q", filepath.Base(name), got, want)
		}
	}
}
