package rotate

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// The errors of this package. Each is wrapped with the operation and the
// cause; tell them apart with [errors.Is]. A File used after [File.Close]
// returns an error that wraps [os.ErrClosed].
var (
	// ErrOpen is returned by [Open] when the log file cannot be opened or
	// created, or when its directory does not let rotation rename files in it.
	ErrOpen = errors.New("rotate: cannot open log file")
	// ErrRotate is reported when a rotation fails. The bytes being written
	// are not lost: they go on into the current file (see [Config.OnError]).
	ErrRotate = errors.New("rotate: rotation failed")
	// ErrBadArguments is returned by [File.Read], [File.Tail] and
	// [File.TailFrom] for an offset and length that make no sense together,
	// as supervisord answers BAD_ARGUMENTS.
	ErrBadArguments = errors.New("rotate: bad arguments")
	// ErrLagged is returned by [File.Follow] when its writer was too slow and
	// bytes past its buffer had to be dropped.
	ErrLagged = errors.New("rotate: follower fell behind")
)

// Defaults of [Config].
const (
	// DefaultPerm is the permission of the log files that a File creates
	// when [Config.Perm] is zero.
	DefaultPerm os.FileMode = 0o644
	// DefaultFollowBuffer is the size in bytes of a follower's backlog when
	// [Config.FollowBuffer] is zero.
	DefaultFollowBuffer = 64 << 10
)

// Config says where a [File] writes and when it rotates. Its zero value is
// invalid only for want of a Path: every other field has a useful zero.
// [Open] copies the Config; changing it afterwards has no effect.
type Config struct {
	// Path is the name of the current log file. Rotated files are named
	// Path.1 (the newest) to Path.N. It must not be empty.
	Path string

	// MaxBytes is the size in bytes that the current file may reach: a
	// line that would take it past MaxBytes starts a new file. A file passes
	// MaxBytes only by finishing a line that it had begun (at most one line),
	// or when it holds one line longer than MaxBytes. Zero or negative
	// means the file is never rotated.
	MaxBytes int64

	// Backups is how many rotated files are kept: Path.1 to Path.Backups.
	// Zero or negative keeps none: at rotation the current file is
	// truncated instead. Files past Path.Backups left by an earlier
	// configuration are not touched.
	Backups int

	// Perm is the permission of the files created, before the umask.
	// Zero means [DefaultPerm] (0644). Existing files keep theirs.
	Perm os.FileMode

	// OnError, if not nil, is called with each rotation error (wrapping
	// [ErrRotate]), after Write has written its bytes into the current file
	// and released its lock, so it may call the File's methods. If OnError
	// is nil, Write returns the rotation error instead, with n == len(p),
	// since every byte was still written. After a failed rotation the File
	// writes on into the current file and tries again once another MaxBytes
	// have been written, so errors come at most once per MaxBytes.
	OnError func(error)

	// FollowBuffer is how many bytes each [File.Follow] call may hold that
	// it has not yet handed to its writer. Zero means [DefaultFollowBuffer]
	// (64 KiB). See [File.Follow] for what happens when it fills.
	FollowBuffer int
}

// File is a log file that rotates by size at line boundaries. It is an
// [io.Writer]; all its methods are safe for concurrent use. Writes go
// straight to the file without buffering, so the readers ([File.Tail],
// [File.Read], [File.TailFrom]) and followers ([File.Follow]) see every
// byte as soon as Write returns. A File assumes that it is the only writer
// of Path.
type File struct {
	path      string
	maxBytes  int64
	backups   int
	perm      os.FileMode
	onError   func(error)
	followBuf int

	mu sync.RWMutex
	// fd is the current file, opened for reading and appending.
	fd *os.File
	// size is the length of the current file.
	size int64
	// base is the size at which the current file counts as having begun:
	// zero, or the size at a failed rotation, so that the next attempt
	// comes once MaxBytes more have been written.
	base int64
	// midLine is true when the current file ends in a partial line.
	midLine   bool
	closed    bool
	followers []*follower

	// onFollow, if not nil, is called by Follow once it is registered. Only
	// tests set it.
	onFollow func()
}

// Open opens or creates the file at cfg.Path for appending and returns a
// [File] that writes to it. The size of an existing file counts towards
// MaxBytes, and if it ends in a partial line the next Write finishes that
// line before any rotation. Open fails with an error wrapping [ErrOpen] and
// naming the path if the file cannot be opened or created (a missing or
// read-only directory, or a path through a regular file), or if the file
// exists but rotation would need to rename files in a directory that does
// not allow it.
func Open(cfg Config) (*File, error) {
	if cfg.Path == "" {
		return nil, fmt.Errorf("%w: empty path", ErrOpen)
	}
	f := &File{
		path:      cfg.Path,
		maxBytes:  max(cfg.MaxBytes, 0),
		backups:   max(cfg.Backups, 0),
		perm:      cfg.Perm,
		onError:   cfg.OnError,
		followBuf: cfg.FollowBuffer,
	}
	if f.perm == 0 {
		f.perm = DefaultPerm
	}
	if f.followBuf <= 0 {
		f.followBuf = DefaultFollowBuffer
	}

	existed := true
	if _, err := os.Lstat(f.path); errors.Is(err, os.ErrNotExist) {
		existed = false
	}
	fd, err := f.openFile()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOpen, err)
	}
	fi, err := fd.Stat()
	if err == nil && !fi.Mode().IsRegular() && f.maxBytes > 0 {
		// A device or pipe such as /dev/stdout can be written but not
		// renamed or measured, so it is allowed only without rotation.
		err = fmt.Errorf("%s: not a regular file, so MaxBytes must be 0", f.path)
	}
	if err == nil && existed && f.maxBytes > 0 && f.backups > 0 {
		// Creating the file proved the directory writable; an existing
		// file did not, and rotation renames in it.
		err = probeDir(f.path)
	}
	if err != nil {
		fd.Close()
		return nil, fmt.Errorf("%w: %w", ErrOpen, err)
	}
	f.fd = fd
	f.size = fi.Size()
	if f.size > 0 {
		var last [1]byte
		if _, err := fd.ReadAt(last[:], f.size-1); err != nil {
			fd.Close()
			return nil, fmt.Errorf("%w: %w", ErrOpen, err)
		}
		f.midLine = last[0] != '\n'
	}
	return f, nil
}

// openFile opens or creates Path for reading and appending.
func (f *File) openFile() (*os.File, error) {
	return os.OpenFile(f.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, f.perm)
}

// probeDir reports whether files can be created (and so renamed) in the
// directory of path, by creating and removing a file there. It is the one
// test that holds for every user, root included, and for ACLs and
// read-only mounts.
func probeDir(path string) error {
	p, err := os.CreateTemp(filepath.Dir(path), ".rotate-probe-*")
	if err != nil {
		return fmt.Errorf("cannot rotate %s in its directory: %w", path, err)
	}
	name := p.Name()
	p.Close()
	return os.Remove(name)
}

// Close closes the current file and ends every [File.Follow] once it has
// written what it holds. Writes and reads after Close return an error
// wrapping [os.ErrClosed], as does a second Close.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return f.errClosed("close")
	}
	f.closed = true
	for _, fl := range f.followers {
		fl.close()
	}
	f.followers = nil
	if err := f.fd.Close(); err != nil {
		return fmt.Errorf("rotate: close %s: %w", f.path, err)
	}
	return nil
}

// Size returns the size in bytes of the current file: what is in it now,
// not counting rotated files. After Close it returns the size at Close.
func (f *File) Size() int64 {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.size
}

// Path returns the name of the current file, as given in [Config.Path].
func (f *File) Path() string { return f.path }

// errClosed returns the error of operation op on a closed File.
func (f *File) errClosed(op string) error {
	return fmt.Errorf("rotate: %s %s: %w", op, f.path, os.ErrClosed)
}

var _ io.WriteCloser = (*File)(nil)
