package wire

import "errors"

// Filter transforms a message body on its way out and undoes that on its
// way in: compression, an integrity check, encryption. Filters stack: a
// frame lists the ids of those applied, in order, and the receiver undoes
// them in reverse.
//
// A Filter must be safe for concurrent use. On error Encode and Decode
// return dst unchanged; dst must not overlap the input. A limit of zero or
// less means DefaultMaxMessageSize. A filter error concerns one message: the
// rpc layer answers it with a status and the connection stays usable.
//
// Filters see only the body: a sealed body is not bound to its frame (type,
// seq, method), so a filter cannot stop an attacker on the wire from
// replaying a sealed body in another frame. Use TLS for that.
type Filter interface {
	// ID is the byte that names the filter in a frame; never 0.
	ID() byte
	// Name is the filter's lowercase name ("gzip").
	Name() string
	// Encode appends the filtered form of body to dst. It may decline to
	// filter a body (gzip below its size threshold): then it returns dst
	// unchanged and applied false, and the frame does not list it.
	Encode(dst, body []byte) (out []byte, applied bool, err error)
	// Decode appends the original form of data to dst. It never produces
	// more than limit bytes: a body that would expand further gives an
	// error wrapping ErrTooLarge. Data that fails its check gives an error
	// wrapping ErrIntegrity.
	Decode(dst, data []byte, limit int) ([]byte, error)
}

// ErrIntegrity reports a body that failed a filter's check: a wrong digest,
// a failed authentication tag, corrupt compressed data.
var ErrIntegrity = errors.New("wire: body failed its integrity check")
