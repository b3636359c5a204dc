// Package bindtest provides the Binders that the tests of the transports
// listen through: a [Recorder], which binds fresh sockets and records what
// it was asked and what it returned, and an [Inherited], which hands out
// duplicates of a socket bound beforehand, as a hot restart hands out the
// sockets it inherited. [Closed] tells whether a socket they returned has
// been closed.
//
// Both satisfy transport.Binder without importing package transport, so
// that the tests of package transport itself can use them.
package bindtest
