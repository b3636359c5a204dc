package rotate

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// open opens a File in a new temporary directory, with Path there named
// "app.log" unless cfg.Path is set, and closes it when the test ends.
func open(t testing.TB, cfg Config) *File {
	t.Helper()
	if cfg.Path == "" {
		cfg.Path = filepath.Join(t.TempDir(), "app.log")
	}
	f, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
			t.Error(err)
		}
	})
	return f
}

// write writes each string to f as one Write and fails the test on error.
// Call it only from the test's goroutine.
func write(t testing.TB, f *File, ss ...string) {
	t.Helper()
	for _, s := range ss {
		if n, err := f.Write([]byte(s)); err != nil || n != len(s) {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
}

// contents returns the file at path, or "<none>" if it does not exist.
func contents(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "<none>"
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// names returns the names of the files in dir, sorted.
func names(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// follow starts f.Follow(ctx, w) in a goroutine, returns once it is
// registered, and returns a channel that receives its result.
func follow(ctx context.Context, f *File, w interface{ Write([]byte) (int, error) }) <-chan error {
	registered := make(chan struct{})
	f.mu.Lock()
	f.onFollow = func() { close(registered) }
	f.mu.Unlock()
	res := make(chan error, 1)
	go func() { res <- f.Follow(ctx, w) }()
	<-registered
	f.mu.Lock()
	f.onFollow = nil
	f.mu.Unlock()
	return res
}
