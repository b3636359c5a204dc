package rotate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		cfg   Config
		cause error  // what the error wraps besides ErrOpen, if anything
		names string // what the message names
	}{
		{"missing directory", Config{Path: filepath.Join(dir, "missing", "app.log")},
			os.ErrNotExist, filepath.Join(dir, "missing", "app.log")},
		{"file in place of the directory", Config{Path: filepath.Join(regular, "app.log")},
			nil, filepath.Join(regular, "app.log")},
		{"path is a directory", Config{Path: dir}, nil, dir},
		{"device with rotation", Config{Path: os.DevNull, MaxBytes: 10}, nil, os.DevNull},
		{"empty path", Config{}, nil, "empty path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Open(tc.cfg)
			if err == nil {
				f.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, ErrOpen) {
				t.Errorf("error %q does not wrap ErrOpen", err)
			}
			if tc.cause != nil && !errors.Is(err, tc.cause) {
				t.Errorf("error %q does not wrap %v", err, tc.cause)
			}
			if !strings.Contains(err.Error(), tc.names) {
				t.Errorf("error %q does not name %s", err, tc.names)
			}
			if !strings.HasPrefix(err.Error(), "rotate: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
		})
	}
}

// TestOpenReadOnlyDirectory needs a user whom permissions bind: root may
// write anywhere.
func TestOpenReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions; TestOpenErrors covers a file in place of the directory")
	}
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.log")
	if err := os.WriteFile(existing, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })

	// A new file cannot be created.
	path := filepath.Join(dir, "app.log")
	if f, err := Open(Config{Path: path}); err == nil {
		f.Close()
		t.Fatal("Open in a read-only directory succeeded")
	} else if !errors.Is(err, ErrOpen) || !errors.Is(err, os.ErrPermission) || !strings.Contains(err.Error(), path) {
		t.Errorf("error %q: want ErrOpen and ErrPermission naming %s", err, path)
	}

	// An existing file can be written but not rotated.
	if f, err := Open(Config{Path: existing, MaxBytes: 100, Backups: 1}); err == nil {
		f.Close()
		t.Fatal("Open of a file that cannot be rotated succeeded")
	} else if !errors.Is(err, ErrOpen) || !errors.Is(err, os.ErrPermission) || !strings.Contains(err.Error(), existing) {
		t.Errorf("error %q: want ErrOpen and ErrPermission naming %s", err, existing)
	}

	// Without renames, it can.
	f := open(t, Config{Path: existing, MaxBytes: 100})
	write(t, f, "new\n")
}

func TestOpenPerm(t *testing.T) {
	for _, tc := range []struct {
		perm, want os.FileMode
	}{
		{0, DefaultPerm},
		{0o600, 0o600},
	} {
		f := open(t, Config{Perm: tc.perm, MaxBytes: 4, Backups: 1})
		write(t, f, "one\n", "two\n")
		for _, name := range []string{f.path, f.backup(1)} {
			fi, err := os.Stat(name)
			if err != nil {
				t.Fatal(err)
			}
			// The umask may take bits away, never add them.
			if got := fi.Mode().Perm(); got&^tc.want != 0 || got&0o600 != 0o600 {
				t.Errorf("Perm %v: %s has %v, want %v", tc.perm, filepath.Base(name), got, tc.want)
			}
		}
	}
}

func TestOpenDevice(t *testing.T) {
	f := open(t, Config{Path: os.DevNull})
	write(t, f, "gone\n")
	if f.Size() != 5 {
		t.Errorf("Size = %d, want 5", f.Size())
	}
	if f.Path() != os.DevNull {
		t.Errorf("Path = %q, want %q", f.Path(), os.DevNull)
	}
}
