package conf

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrConfig is wrapped by every error of [Load] and [Parse]: a file that
// cannot be read, a line that is not of the format, a value of the wrong
// kind, an unknown key or a section procman does not support. Test for it
// with errors.Is; errors.As with an [*Error] gives the file, line and key.
var ErrConfig = errors.New("conf: bad configuration")

// Error is a fault in a configuration file. Its text names where the fault
// is, as in
//
//	conf: supervisord.conf:12: [program:web] startsecs: "abc" is not an integer
//
// An Error matches [ErrConfig] with errors.Is, and unwraps to Err. Err is
// errors.ErrUnsupported for the sections procman refuses ([eventlistener:x],
// [fcgi-program:x]), an [io/fs] error for a file that cannot be read, and a
// procman.ErrConfig error for a program that procman would refuse.
type Error struct {
	// File names the file as it was given to Load or Parse, or, for an
	// included file, joined to the directory of the file that included it.
	File string
	// Line is the line of the key or section header, from 1; zero when
	// the fault is with the file as a whole.
	Line int
	// Section is the section's name without brackets ("program:web"), and
	// Key the key, lower case; either is empty when the fault has none.
	Section, Key string
	// Msg says what is wrong; it ends with the text of Err, where that
	// says more.
	Msg string
	// Err is the underlying error, or nil.
	Err error
}

// Error returns the fault as "conf: file:line: [section] key: message".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("conf: ")
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	switch {
	case e.Section != "" && e.Key != "":
		fmt.Fprintf(&b, "[%s] %s: ", e.Section, e.Key)
	case e.Section != "":
		fmt.Fprintf(&b, "[%s]: ", e.Section)
	case e.Key != "":
		fmt.Fprintf(&b, "%s: ", e.Key)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Is reports whether target is [ErrConfig].
func (e *Error) Is(target error) bool { return target == ErrConfig }

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// pos is where a section header or key is: a file and a line in it.
type pos struct {
	file string
	line int
}

// errorAt returns an *Error at p about key of section.
func errorAt(p pos, section, key, format string, args ...any) *Error {
	return &Error{File: p.file, Line: p.line, Section: section, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// wrapAt is errorAt with an underlying error, whose text ends the message.
func wrapAt(p pos, section, key string, err error, format string, args ...any) *Error {
	e := errorAt(p, section, key, format, args...)
	e.Msg += ": " + err.Error()
	e.Err = err
	return e
}
