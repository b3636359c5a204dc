package raw

import (
	"bufio"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// Version is the frame format version that this package reads and writes.
const Version = 1

// Flag bits of the header's flags byte.
const (
	flagTimeout = 0x01 // a timeout follows the method
	flagStatus  = 0x02 // a status code and message follow
	flagMeta    = 0x04 // metadata pairs follow
	flagFilters = 0x08 // transfer filter ids follow

	knownFlags = flagTimeout | flagStatus | flagMeta | flagFilters
)

const (
	// lenSize is the size of the frame's length field.
	lenSize = 4
	// headerSize is the size of the fixed header after the length field:
	// version, type, flags, codec and seq.
	headerSize = 8
	// minFrameLen is the smallest valid value of the length field: the
	// fixed header and a zero method length.
	minFrameLen = headerSize + 1
	// maxFilters is the largest number of filters a frame can carry.
	maxFilters = 255
)

// Format is the raw binary frame format. Its zero value is ready to use.
type Format struct{}

var _ wire.Format = Format{}

// Name returns "raw".
func (Format) Name() string { return "raw" }

// NewFramer returns a framer that reads raw frames from r and refuses
// frames larger than opts.Limit() in both directions, and frames read
// whose metadata passes opts.MetadataLimits().
func (Format) NewFramer(r *bufio.Reader, opts wire.Options) wire.Framer {
	f := &framer{limit: opts.Limit(), meta: opts.MetadataLimits()}
	f.FrameReader = wire.FrameReader{
		R: r, Limit: f.limit, Budget: opts.Budget, Name: "raw", Parse: f.parse,
		MinLen: minFrameLen, Header: peekHeader, HeaderLen: headerSize,
	}
	return f
}

// framer reads and writes the raw frames of one connection.
type framer struct {
	wire.FrameReader // its ReadMessage is the framer's
	limit            int
	meta             wire.MetadataLimits // caps the metadata of a frame read
	// methods interns method names; only ReadMessage uses it.
	methods wire.MethodCache
}

// Sniff recognises a raw stream: a length prefix followed by the version
// byte 0x01.
func (Format) Sniff(prefix []byte) wire.SniffResult {
	if len(prefix) < lenSize+1 {
		return wire.NeedMore
	}
	if prefix[lenSize] == Version {
		return wire.Yes
	}
	return wire.No
}

var _ wire.Sniffer = Format{}
