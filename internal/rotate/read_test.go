package rotate

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"
)

// The cases marked "supervisord" are those of supervisor's own tests of
// readLog, readProcessStdoutLog and tailProcessStdoutLog
// (supervisor/tests/test_rpcinterfaces.py), on the same contents.

func TestRead(t *testing.T) {
	x, y := strings.Repeat("x", 2048), strings.Repeat("y", 2048)
	f := open(t, Config{})
	write(t, f, x, y)
	for _, tc := range []struct {
		name           string
		offset, length int64
		want           string
		bad            bool
	}{
		{"supervisord: all", 0, 0, x + y, false},
		{"supervisord: from offset to the end", 2048, 0, y, false},
		{"supervisord: length from the start", 0, 2048, x, false},
		{"supervisord: last bytes", -4, 0, "yyyy", false},
		{"supervisord: negative offset with length", -1, 1, "", true},
		{"supervisord: negative offset and length", -1, -1, "", true},
		{"negative length", 0, -1, "", true},
		{"length across the end", 4090, 100, "yyyyyy", false},
		{"length inside", 2046, 4, "xxyy", false},
		{"offset at the end", 4096, 0, "", false},
		{"offset past the end", 5000, 0, "", false},
		{"offset past the end with length", 5000, 10, "", false},
		{"last bytes, more than the file", -5000, 0, x + y, false},
		{"most negative offset", math.MinInt64, 0, x + y, false},
		{"largest length", 4095, math.MaxInt64, "y", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.Read(tc.offset, tc.length)
			if tc.bad {
				if !errors.Is(err, ErrBadArguments) {
					t.Fatalf("Read(%d, %d) = %q, %v; want ErrBadArguments", tc.offset, tc.length, got, err)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("Read(%d, %d) = %q (%d bytes), %v; want %d bytes", tc.offset, tc.length, abbrev(got), len(got), err, len(tc.want))
			}
		})
	}
}

func TestTail(t *testing.T) {
	f := open(t, Config{})
	write(t, f, "one\ntwo\nthree\n")
	for _, tc := range []struct {
		n    int64
		want string
		bad  bool
	}{
		{0, "", false},
		{6, "three\n", false},
		{10, "two\nthree\n", false},
		{14, "one\ntwo\nthree\n", false},
		{1000, "one\ntwo\nthree\n", false},
		{math.MaxInt64, "one\ntwo\nthree\n", false},
		{-1, "", true},
	} {
		got, err := f.Tail(tc.n)
		if tc.bad {
			if !errors.Is(err, ErrBadArguments) {
				t.Errorf("Tail(%d) = %q, %v; want ErrBadArguments", tc.n, got, err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("Tail(%d) = %q, %v; want %q", tc.n, got, err, tc.want)
		}
	}
}

func TestTailFrom(t *testing.T) {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	const size = int64(len(letters))
	for _, tc := range []struct {
		name           string
		offset, length int64
		want           string
		overflow       bool
		bad            bool
	}{
		{"supervisord: all", 0, size, letters, false, false},
		{"supervisord: offset at the end", size, 100, "", false, false},
		{"supervisord: offset past the end", size + 5, 100, "", false, false},
		{"supervisord: overflow", 0, 5, "VWXYZ", true, false},
		{"fewer than length from offset", 10, 100, letters[10:], false, false},
		{"exactly length from offset", 10, size - 10, letters[10:], false, false},
		{"one more than length from offset", 9, size - 10, letters[10:], true, false},
		{"negative offset counts as 0", -5, 10, letters[size-10:], true, false},
		{"negative offset, all fit", -5, 100, letters, false, false},
		{"length 0 with bytes past offset", 10, 0, "", true, false},
		{"length 0 at the end", size, 0, "", false, false},
		{"largest length", 0, math.MaxInt64, letters, false, false},
		{"negative length", 0, -1, "", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := open(t, Config{})
			write(t, f, letters)
			data, off, overflow, err := f.TailFrom(tc.offset, tc.length)
			if tc.bad {
				if !errors.Is(err, ErrBadArguments) {
					t.Fatalf("TailFrom(%d, %d) = %q, %d, %v, %v; want ErrBadArguments", tc.offset, tc.length, data, off, overflow, err)
				}
				return
			}
			if err != nil || string(data) != tc.want || off != size || overflow != tc.overflow {
				t.Fatalf("TailFrom(%d, %d) = %q, %d, %v, %v; want %q, %d, %v",
					tc.offset, tc.length, data, off, overflow, err, tc.want, size, tc.overflow)
			}
		})
	}

	// supervisord: an empty log gives nothing at offset 0.
	f := open(t, Config{})
	if data, off, overflow, err := f.TailFrom(0, 100); len(data) != 0 || off != 0 || overflow || err != nil {
		t.Errorf("TailFrom(0, 100) of an empty file = %q, %d, %v, %v", data, off, overflow, err)
	}
}

// TestTailFromPolling polls as a client of tailProcessStdoutLog does,
// passing back each offset, through an overflow and a rotation.
func TestTailFromPolling(t *testing.T) {
	f := open(t, Config{MaxBytes: 20, Backups: 1})
	var off int64
	poll := func(want string, wantOverflow bool) {
		t.Helper()
		data, next, overflow, err := f.TailFrom(off, 8)
		if err != nil || string(data) != want || overflow != wantOverflow || next != f.Size() {
			t.Fatalf("TailFrom(%d, 8) = %q, %d, %v, %v; want %q, %d, %v", off, data, next, overflow, err, want, f.Size(), wantOverflow)
		}
		off = next
	}
	poll("", false)
	write(t, f, "ab\n")
	poll("ab\n", false)
	write(t, f, "cdefghij\n", "klmnopq\n")
	poll("klmnopq\n", true) // 17 bytes past offset 3: the last 8
	poll("", false)
	write(t, f, "rs\n") // rotates: the new file is shorter than the offset
	poll("", false)     // as supervisord: start again from its end, missing "rs\n"
	write(t, f, "tu\n")
	poll("tu\n", false)
}

func TestReadAfterRotation(t *testing.T) {
	f := open(t, Config{MaxBytes: 8, Backups: 2})
	write(t, f, "old old\n", "new\n")
	if got, err := f.Read(0, 0); err != nil || string(got) != "new\n" {
		t.Errorf("Read(0, 0) = %q, %v; want only the current file", got, err)
	}
	if got, err := f.Tail(100); err != nil || string(got) != "new\n" {
		t.Errorf("Tail(100) = %q, %v; want only the current file", got, err)
	}
}

func TestReadClosed(t *testing.T) {
	f := open(t, Config{})
	write(t, f, "x\n")
	f.Close()
	if _, err := f.Read(0, 0); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Read after Close: %v", err)
	}
	if _, err := f.Tail(1); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Tail after Close: %v", err)
	}
	if _, _, _, err := f.TailFrom(0, 1); !errors.Is(err, os.ErrClosed) {
		t.Errorf("TailFrom after Close: %v", err)
	}
	if f.Size() != 2 {
		t.Errorf("Size after Close = %d, want 2", f.Size())
	}
}

// abbrev shortens b for a failure message.
func abbrev(b []byte) string {
	if len(b) > 20 {
		return string(b[:10]) + "…" + string(b[len(b)-10:])
	}
	return string(b)
}
