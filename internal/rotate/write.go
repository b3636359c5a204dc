package rotate

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
)

// Write appends p to the current file, rotating first wherever a line of p
// would take the file past MaxBytes. It never splits a line between two
// files: a line is the bytes up to and including '\n', and rotation happens
// only between lines.
//
// A partial line at the end of p (bytes after its last '\n') is written at
// once into the current file, so that readers see it, and the next Write
// finishes that line in the same file before any rotation. A file thus
// passes MaxBytes by at most the rest of one line. A line longer than
// MaxBytes goes whole into a file of its own.
//
// If a rotation fails (a rename refused, a read-only directory), the bytes
// are written on into the current file and the error, wrapping
// [ErrRotate], goes to [Config.OnError], or is returned with n == len(p)
// if OnError is nil. Otherwise an error means the file refused a write,
// and n says how many bytes of p went in. Write after Close returns an
// error wrapping [os.ErrClosed].
//
// Write is safe for concurrent use; each call is written whole, never
// interleaved with another. It blocks on the disk and on readers holding
// the File (see [File.Read]); it never blocks on followers.
func (f *File) Write(p []byte) (int, error) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return 0, f.errClosed("write")
	}
	n, err, rotErr := f.write(p)
	if n > 0 {
		for _, fl := range f.followers {
			fl.push(p[:n])
		}
	}
	f.mu.Unlock()
	if rotErr != nil {
		if f.onError != nil {
			f.onError(rotErr)
		} else if err == nil {
			err = rotErr
		}
	}
	return n, err
}

// write writes p into the current file and the files after it, rotating
// at line boundaries. It returns the bytes written, the error of a failed
// write, and the errors of failed rotations. The caller holds f.mu.
func (f *File) write(p []byte) (n int, err, rotErr error) {
	for len(p) > 0 {
		chunk := p
		if f.maxBytes > 0 {
			var rotate bool
			chunk, rotate = f.next(p)
			if rotate {
				if err := f.rotate(); err != nil {
					rotErr = errors.Join(rotErr, err)
				}
				continue
			}
		}
		m, werr := f.fd.Write(chunk)
		n += m
		f.size += int64(m)
		if m > 0 {
			f.midLine = chunk[m-1] != '\n'
		}
		if werr != nil {
			return n, fmt.Errorf("rotate: write: %w", werr), rotErr
		}
		p = p[m:]
	}
	return n, nil, rotErr
}

// next returns the longest prefix of p that goes into the current file
// whole, or rotate true if the file must be rotated before anything of p
// is written. The caller holds f.mu.
func (f *File) next(p []byte) (chunk []byte, rotate bool) {
	if f.midLine {
		// Finish the line begun in this file, whatever its length.
		if i := bytes.IndexByte(p, '\n'); i >= 0 {
			return p[:i+1], false
		}
		return p, false
	}
	room := f.maxBytes - (f.size - f.base)
	if int64(len(p)) <= room {
		return p, false
	}
	if room > 0 {
		// The complete lines that fit.
		if i := bytes.LastIndexByte(p[:room], '\n'); i >= 0 {
			return p[:i+1], false
		}
	}
	if f.size > f.base {
		// The next line does not fit, and the file holds something.
		return nil, true
	}
	// A line longer than MaxBytes, into a file (or, after a failed
	// rotation, a stretch of one) of its own.
	if i := bytes.IndexByte(p, '\n'); i >= 0 {
		return p[:i+1], false
	}
	return p, false
}

// rotate moves Path.k to Path.k+1 down the chain, dropping the one past
// Backups, moves Path to Path.1 and opens a new Path; with no backups it
// truncates Path instead. If a step fails it stops before it loses a file,
// leaves the File writing into the current file, and makes the next attempt
// wait until MaxBytes more have been written. The caller holds f.mu.
func (f *File) rotate() error {
	if err := f.shift(); err != nil {
		f.base = f.size
		return fmt.Errorf("%w: %w (still writing to %s)", ErrRotate, err, f.path)
	}
	f.size, f.base, f.midLine = 0, 0, false
	return nil
}

// shift does the renames, or the truncation, of rotate.
func (f *File) shift() error {
	if f.backups == 0 {
		return f.fd.Truncate(0)
	}
	for k := f.backups - 1; k >= 1; k-- {
		if err := os.Rename(f.backup(k), f.backup(k+1)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	// Path may be missing if something removed it; its descriptor still
	// works, and a new Path is opened as usual.
	if err := os.Rename(f.path, f.backup(1)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	fd, err := f.openFile()
	if err != nil {
		// Put the current file back under its name if that can be done;
		// writes go on into its descriptor either way.
		if rerr := os.Rename(f.backup(1), f.path); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	f.fd.Close()
	f.fd = fd
	return nil
}

// backup returns the name of rotated file k: Path.k.
func (f *File) backup(k int) string {
	return f.path + "." + strconv.Itoa(k)
}
