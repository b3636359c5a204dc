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

// DecodedSizer is implemented by filters that can tell from a filtered
// body how many bytes decoding it takes, without decoding it: gzip from its
// size trailer, md5 and aes-gcm from the body's length. A receiver that
// holds a memory budget (see [Budget]) reserves that much before it
// decodes, and passes it to Decode as the limit, so that a body that lies
// about its size fails instead of growing past the reservation. A filter
// without DecodedSizer is taken to need the limit itself.
type DecodedSizer interface {
	// DecodedSize returns the size of the decoded form of data as data
	// declares it, which may be past any limit (a body that is too large
	// is then refused before it is decoded); Decode(dst, data, n) with the
	// n it returns appends at most n bytes.
	DecodedSize(data []byte) int
}
