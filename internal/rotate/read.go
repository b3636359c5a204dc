package rotate

import (
	"errors"
	"fmt"
	"io"
)

// The readers below read only the current file, never the rotated ones,
// as supervisord's do; offsets count from the start of the current file
// and begin again at zero after each rotation. Each holds the File's read
// lock while it reads, so a rotation cannot swap the file under it, and a
// Write waits for it: a read costs writers at most the time to read
// MaxBytes (plus one line) from the disk, or the whole file if MaxBytes is 0.

// Tail returns the last n bytes written to the current file, or all of it
// if it holds fewer. Tail(0) returns no bytes; a negative n is an error
// wrapping [ErrBadArguments]. It is Read(-n, 0).
func (f *File) Tail(n int64) ([]byte, error) {
	if n < 0 {
		return nil, fmt.Errorf("%w: tail of %d bytes", ErrBadArguments, n)
	}
	if n == 0 {
		return []byte{}, nil
	}
	return f.Read(-n, 0)
}

// Read returns bytes of the current file with the semantics of
// supervisord's readLog and readProcessStdoutLog:
//
//   - offset >= 0, length > 0: up to length bytes from offset, fewer at the
//     end of the file;
//   - offset >= 0, length == 0: everything from offset to the end;
//   - offset < 0, length == 0: the last -offset bytes, or the whole file if
//     it holds fewer (supervisorctl tail asks for (-1600, 0));
//   - offset < 0 with length != 0, or length < 0: an error wrapping
//     [ErrBadArguments] (supervisord's BAD_ARGUMENTS fault).
//
// An offset at or past the end of the file returns no bytes and no error,
// as supervisord's does. Other errors (supervisord's FAILED) wrap the
// cause; after Close they wrap [os.ErrClosed].
func (f *File) Read(offset, length int64) ([]byte, error) {
	if offset < 0 && length != 0 || length < 0 {
		return nil, fmt.Errorf("%w: offset %d with length %d", ErrBadArguments, offset, length)
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.closed {
		return nil, f.errClosed("read")
	}
	start, end := offset, f.size
	switch {
	case offset < 0:
		start = max(f.size+offset, 0)
	case length > 0 && length < f.size-offset:
		end = offset + length
	}
	return f.readRange(start, end)
}

// TailFrom returns the bytes written to the current file from offset on,
// with the semantics of supervisord's tailProcessStdoutLog, for a client
// that polls, passing back each newOffset as the next offset:
//
//   - newOffset is always the size of the current file (supervisord: "the
//     last offset in the log +1");
//   - if more than length bytes lie past offset, data is the last length
//     bytes of the file and overflow is true (the client skipped ahead);
//   - otherwise data is every byte from offset to the end, and overflow is
//     false;
//   - an offset at or past the end returns no bytes, newOffset the size and
//     overflow false, as supervisord does; a client whose offset is past the
//     end, because the file was rotated since its last call, thus starts
//     again from the end of the new file (use [File.Follow] to miss nothing);
//   - a negative offset counts as 0;
//   - length 0 returns no bytes, with overflow true if any byte lies past
//     offset, which tells a client the size without reading.
//
// Where this differs from supervisord: when fewer than length bytes lie
// past offset, supervisord's tailFile returns the last length bytes of the
// file, including bytes before offset that the client has already had;
// TailFrom returns only the bytes from offset on. A negative length, for
// which supervisord returns nothing, is an error wrapping [ErrBadArguments].
func (f *File) TailFrom(offset, length int64) (data []byte, newOffset int64, overflow bool, err error) {
	if length < 0 {
		return nil, 0, false, fmt.Errorf("%w: tail from %d of %d bytes", ErrBadArguments, offset, length)
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.closed {
		return nil, 0, false, f.errClosed("tail")
	}
	size := f.size
	offset = max(offset, 0)
	if offset >= size {
		return []byte{}, size, false, nil
	}
	start := offset
	if size-offset > length {
		start, overflow = size-length, true
	}
	data, err = f.readRange(start, size)
	return data, size, overflow, err
}

// readRange reads bytes [start, end) of the current file; start past end
// gives no bytes. The caller holds f.mu for reading.
func (f *File) readRange(start, end int64) ([]byte, error) {
	if start >= end {
		return []byte{}, nil
	}
	buf := make([]byte, end-start)
	n, err := f.fd.ReadAt(buf, start)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("rotate: read %s: %w", f.path, err)
	}
	// Short only if something else truncated the file.
	return buf[:n], nil
}
