// Package xmlrpc implements XML-RPC (http://xmlrpc.com/spec.md) over HTTP,
// on encoding/xml and net/http, as supervisord and supervisorctl speak it.
// procman serves supervisord's API with a [Server] so that Debian's
// supervisorctl can drive it, and `procman ctl` calls it, or a real
// supervisord, with a [Client].
//
// The package knows the protocol only: documents, values, faults, the
// system.listMethods and system.multicall methods, HTTP basic
// authentication. The supervisor.* methods are registered by their users.
//
// # Values
//
// XML-RPC values map to Go values as follows. The first Go type of each
// row is what [UnmarshalCall], [UnmarshalResponse] into an *any, and a
// [HandlerFunc]'s params hold; the others are what [MarshalCall] and
// [MarshalResponse] also accept and [Decode] also fills.
//
//	XML-RPC              Go
//	<int>, <i4>          int; every integer kind; <i8>, <i1>, <i2> are read too
//	<boolean>            bool
//	<string>, untyped    string; string kinds
//	<double>             float64; float32 (<float> is read too)
//	<dateTime.iso8601>   time.Time
//	<base64>             []byte; byte slices
//	<struct>             map[string]any; maps with string keys; structs
//	<array>              []any; slices and arrays
//	<nil/>               nil; nil pointers and interfaces
//
// Struct fields map to members by their `xmlrpc:"name"` tag, or by their
// name; `xmlrpc:"-"` leaves a field out and `xmlrpc:"name,omitempty"`
// leaves it out when it is zero. Members are written in field order, and
// the members of a map in the order of their names.
//
// Some values need care:
//
//   - An XML-RPC int has 32 bits. Marshalling an integer outside
//     [math.MinInt32, math.MaxInt32] is an error, as in Python's
//     xmlrpc.client; supervisord caps such values (its capped_int) and so
//     must its Go counterpart. The parser reads integers up to 64 bits,
//     as Python does.
//   - <nil/> is an extension. Python's xmlrpc.client reads it always and
//     writes it with allow_none; supervisord's request parser reads it as
//     None too. A nil slice or map is written as an empty array or struct,
//     not <nil/>: supervisorctl loops over the lists it gets.
//   - dateTime.iso8601 has no zone. It is written as the UTC wall clock,
//     "20060102T15:04:05", and read as UTC (a zone, when a peer writes one,
//     is honoured, and fractions of a second are dropped).
//   - A double is written in decimal without exponent; NaN and the
//     infinities have no XML-RPC form and are an error.
//   - Text is written as XML character data. Runes that XML 1.0 forbids,
//     most C0 controls among them, and invalid UTF-8 are written as U+FFFD,
//     since no XML parser would read them: a process's log, read through
//     XML-RPC, may hold terminal escapes. Send such bytes as []byte.
//
// The parser is strict about the document's structure (unknown elements,
// stray text and content after the root element are errors) and liberal
// about the text of scalars: white space around numbers, "true" and
// "false" as booleans, base64 with line breaks or without padding. It
// reads documents in UTF-8, US-ASCII and ISO-8859-1, expands no entity
// but XML's own, and refuses arrays and structs nested more than 128
// deep.
//
// # Faults
//
// A [Fault] is an error with a code and a string. The Fault* constants are
// supervisord's codes, and [NewFault] and [Faultf] build a fault's string
// as supervisord does: "BAD_NAME", or "BAD_NAME: foo". supervisorctl acts
// on the codes; scripts may print the strings.
//
// # Server and client
//
// A [Server] is an [http.Handler] that runs the methods registered with
// [Server.Handle] (a [HandlerFunc] taking the params as they were parsed)
// or [Server.Register] (a Go function whose params are decoded by
// reflection). Its documentation lists how it answers errors, panics and
// malformed requests. [BasicAuth] guards a handler with HTTP basic
// credentials as supervisord does.
//
// A [Client] posts calls to a server at a URL in one of supervisorctl's
// serverurl forms, "http://host:port" or "unix:///path/to/socket". Its
// [Client.Get] fetches other paths of the same server, such as
// supervisord's /logtail/NAME/stdout.
//
// # Concurrency
//
// The functions of the package have no state and are safe for concurrent
// use. A Server and a Client are safe for concurrent use. The Server runs
// each request's call in the request's goroutine.
//
// See the package example for a server and a client on a loopback
// listener.
package xmlrpc
