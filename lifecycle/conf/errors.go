package conf

import (
	"errors"
	"strconv"
	"strings"
)

// The conditions an [*Error] matches with errors.Is.
var (
	// ErrSyntax is a line that is not of the format: neither a comment, a
	// section header nor "key = value", a bad header or key, a key outside
	// any section, a bad quoted value, or a line that is not UTF-8.
	ErrSyntax = errors.New("conf: syntax error")
	// ErrDuplicate is a section header or a key given twice in one file
	// (keys compare as the format says: case and underscores aside).
	ErrDuplicate = errors.New("conf: duplicate")
	// ErrUnknownKey is a key that its section does not know: in [app] or a
	// [sandbox.NAME] section at load, or in any section passed to
	// [Section.Decode] a key that no field of the struct takes.
	ErrUnknownKey = errors.New("conf: unknown key")
	// ErrBadValue is a value of the wrong kind for its key (a duration
	// without a unit, a size that is not one, an unknown format name ...),
	// a TLSCert without a TLSKey, or an endpoint configuration that
	// rpc.Config.Validate refuses.
	ErrBadValue = errors.New("conf: bad value")
)

// Error is a fault in a configuration, located where the faulty line or
// value came from. Its text reads
//
//	conf: app.conf:12: key "ReadTimeout": bad value "30": a duration needs a unit, as in 30s or 1m30s
//	conf: environment DMICRO_APP_DEBUG: key "debug": bad value "maybe": not a bool (true, false, 1, 0, yes, no, on, off)
//
// An Error matches its Kind with errors.Is ([ErrSyntax], [ErrDuplicate],
// [ErrUnknownKey] or [ErrBadValue]) and unwraps to Err.
type Error struct {
	// File is the name the file was given to Load or Parse by, and Line
	// the line of the fault in it, from 1; Line is zero for a fault with
	// no line (a key an environment variable added, a section that is
	// absent from the file).
	File string
	Line int
	// Env is the environment variable the faulty value came from, or
	// empty when it came from the file.
	Env string
	// Section is the section's name without brackets or overlay
	// ("sandbox.DRpcSandBox"), and Key the key as written; either is
	// empty when the fault has none.
	Section, Key string
	// Kind is the sentinel the error matches.
	Kind error
	// Msg says what is wrong.
	Msg string
	// Err is the underlying error (a *strconv.NumError, an [io/fs]
	// error of a TLS file ...), or nil.
	Err error
}

// Error returns the fault as "conf: file:line: key "K": message", with
// "environment VAR" in place of "file:line" for a value that came from
// the environment.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("conf: ")
	switch {
	case e.Env != "":
		b.WriteString("environment ")
		b.WriteString(e.Env)
		b.WriteString(": ")
	case e.File != "":
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString("key ")
		b.WriteString(strconv.Quote(e.Key))
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Is reports whether target is the error's Kind.
func (e *Error) Is(target error) bool { return target != nil && target == e.Kind }

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// source is where a value, key or header came from: a line of a file, or
// an environment variable.
type source struct {
	file string
	line int
	env  string
}

// errorAt returns an *Error of kind at src.
func errorAt(src source, section, key string, kind error, msg string) *Error {
	return &Error{File: src.file, Line: src.line, Env: src.env, Section: section, Key: key, Kind: kind, Msg: msg}
}

// badValue returns the ErrBadValue error of the value v of key at src.
func badValue(src source, section, key, v, why string, err error) *Error {
	e := errorAt(src, section, key, ErrBadValue, "bad value "+strconv.Quote(v)+": "+why)
	e.Err = err
	return e
}

// wrap sets e.Err to err and returns e.
func (e *Error) wrap(err error) *Error {
	e.Err = err
	return e
}
