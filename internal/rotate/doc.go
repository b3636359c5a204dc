// Package rotate is a log file that rotates by size at line boundaries and
// can be read back while it is written: the writer behind procman's child
// stdout and stderr logs and lifecycle's daemon log. It behaves like
// supervisord's logfile, logfile_maxbytes and logfile_backups settings and
// its readLog and tailProcessStdoutLog calls, with the differences listed
// below. It uses only the standard library.
//
// # Writing and rotating
//
// [Open] opens or creates [Config.Path] for appending and returns a
// [File], an [io.Writer]. When a line would take the file past
// [Config.MaxBytes], the File first rotates: Path.N-1 becomes Path.N (the
// old Path.N is dropped), and so on down to Path, which becomes Path.1,
// and a new Path is opened. With [Config.Backups] zero, Path is truncated
// instead. MaxBytes zero turns rotation off.
//
// A line (the bytes up to and including '\n') is never split between two
// files, and no byte is ever dropped:
//
//   - a Write that ends in a partial line writes it into the current file
//     at once, and the line is finished there by the next Write, so a
//     file passes MaxBytes by at most the rest of one line;
//   - a line longer than MaxBytes goes whole into a file of its own;
//   - when a rotation fails (a rename refused, a directory made read-only),
//     Write goes on writing into the current file, reports an error
//     wrapping [ErrRotate] through [Config.OnError] (or returns it, with
//     all of p written, if OnError is nil) and tries again once MaxBytes
//     more have been written.
//
// Unlike supervisord, which rotates after a write once the file has
// reached MaxBytes, a File rotates before the line that would pass it, so
// that files made of whole lines stay within MaxBytes.
//
// # Reading
//
// [File.Tail], [File.Read] and [File.TailFrom] read the current file with
// supervisord's offset rules ([ErrBadArguments] is its BAD_ARGUMENTS
// fault); [File.Size] is its size. [File.Follow] is `tail -f`: it hands a
// writer every byte written from then on, across rotations, waking on
// writes rather than polling, with a bounded backlog per follower that
// ends it with [ErrLagged] rather than block writers. The differences from
// supervisord are in the documentation of [File.TailFrom].
//
// # Concurrency
//
// All methods of a File are safe for concurrent use. Writes are serialised
// and each is written whole; readers hold a read lock for the length of
// one read. A File must be the only writer of its path.
//
// # Platform limits
//
// Rotation renames the open file, which POSIX systems allow. On Windows,
// where a file opened by Go cannot be renamed, rotation with Backups > 0
// fails with [ErrRotate] and the File keeps writing to Path; use Backups 0
// there. A device or pipe such as /dev/stdout may be the Path only with
// MaxBytes 0.
//
// See the Example for a File that rotates and is read back.
package rotate
