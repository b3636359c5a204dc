package wire

import "errors"

// Filter transforms a message body on its way out and undoes that on its
// way in: compression, an integrity check, encryption. Filters stack: a
// frame lists the ids of those applied, in order, and the receiver undoes
// them in reverse.
//
// A Filter must be safe for concurrent use.
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
