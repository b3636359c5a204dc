package procman

import (
	"context"
	"fmt"
	"io"
)

// Stream names a process's output stream.
type Stream int

// The streams.
const (
	Stdout Stream = iota
	Stderr
)

// logOf returns the output of stream of the one process name stands for.
func (s *Supervisor) logOf(name string, stream Stream) (*output, error) {
	procs, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	if len(procs) != 1 {
		return nil, fmt.Errorf("%w: %s names a group", ErrBadName, name)
	}
	o := procs[0].stdout
	if stream == Stderr {
		o = procs[0].err
	}
	if o.file == nil {
		return nil, fmt.Errorf("%w: %s has no log of its %s", ErrNoLog, name, stream)
	}
	return o, nil
}

// ErrNoLog: the stream of the process is not written to a file.
var ErrNoLog = fmt.Errorf("procman: no log file")

// String returns "stdout" or "stderr".
func (s Stream) String() string {
	if s == Stderr {
		return "stderr"
	}
	return "stdout"
}

// ReadLog reads length bytes of a process's log from offset: supervisord's
// readProcessStdoutLog. A negative offset counts from the end (length is
// then ignored); see internal/rotate for the exact rules.
func (s *Supervisor) ReadLog(name string, stream Stream, offset, length int64) ([]byte, error) {
	o, err := s.logOf(name, stream)
	if err != nil {
		return nil, err
	}
	return o.file.Read(offset, length)
}

// TailLog returns up to length bytes of a process's log from offset, and
// the offset to ask for next: supervisord's tailProcessStdoutLog. When more
// than length bytes follow offset, it returns the last length of them and
// overflow true.
func (s *Supervisor) TailLog(name string, stream Stream, offset, length int64) (data []byte, next int64, overflow bool, err error) {
	o, err := s.logOf(name, stream)
	if err != nil {
		return nil, 0, false, err
	}
	return o.file.TailFrom(offset, length)
}

// FollowLog writes the last tail bytes of a process's log on stream to w,
// then what the process prints from now on, until ctx ends or the
// process's program is removed: `tail -c tail -f`. Nothing printed between
// the two is lost or written twice.
func (s *Supervisor) FollowLog(ctx context.Context, name string, stream Stream, tail int64, w io.Writer) error {
	o, err := s.logOf(name, stream)
	if err != nil {
		return err
	}
	return o.file.TailFollow(ctx, w, tail)
}
