package pb

import (
	"bufio"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// Version is the value of the version field of the frames that this
// package reads and writes.
const Version = 1

// The field numbers of the frame message.
const (
	fieldVersion protowire.Number = 1
	fieldType    protowire.Number = 2
	fieldSeq     protowire.Number = 3
	fieldMethod  protowire.Number = 4
	fieldTimeout protowire.Number = 5
	fieldCode    protowire.Number = 6
	fieldError   protowire.Number = 7
	fieldMeta    protowire.Number = 8
	fieldCodec   protowire.Number = 9
	fieldFilters protowire.Number = 10
	fieldBody    protowire.Number = 11
)

// The field numbers of a metadata pair.
const (
	fieldKey   protowire.Number = 1
	fieldValue protowire.Number = 2
)

const (
	// lenSize is the size of the frame's length field.
	lenSize = 4
	// minFrameLen is the smallest valid value of the length field: the
	// version and type fields, two bytes each.
	minFrameLen = 4
	// maxFilters is the largest number of filters a frame can carry.
	maxFilters = 255
	// headerPeek is how many bytes at the start of a refused frame are
	// searched for its version, type and seq.
	headerPeek = 32
)

// Format is the pb frame format. Its zero value is ready to use.
type Format struct{}

var (
	_ wire.Format  = Format{}
	_ wire.Sniffer = Format{}
)

// Name returns "pb".
func (Format) Name() string { return "pb" }

// NewFramer returns a framer that reads pb frames from r and refuses
// frames larger than opts.Limit() in both directions, and frames read
// whose metadata passes opts.MetadataLimits().
func (Format) NewFramer(r *bufio.Reader, opts wire.Options) wire.Framer {
	f := &framer{limit: opts.Limit(), meta: opts.MetadataLimits()}
	f.FrameReader = wire.FrameReader{
		R: r, Limit: f.limit, Budget: opts.Budget, Name: "pb", Parse: f.parse,
		MinLen: minFrameLen, Header: peekFrame, HeaderLen: headerPeek,
	}
	return f
}

// Sniff recognises a pb stream: a length prefix followed by the version
// field, which a writer always puts first: the tag 0x08 (field 1, varint)
// and the value 0x01.
func (Format) Sniff(prefix []byte) wire.SniffResult {
	switch {
	case len(prefix) > lenSize && prefix[lenSize] != 0x08:
		return wire.No
	case len(prefix) < lenSize+2:
		return wire.NeedMore
	case prefix[lenSize+1] == Version:
		return wire.Yes
	}
	return wire.No
}

// framer reads and writes the pb frames of one connection.
type framer struct {
	wire.FrameReader // its ReadMessage is the framer's
	limit            int
	meta             wire.MetadataLimits // caps the metadata of a frame read
	// methods interns method names; only ReadMessage uses it.
	methods wire.MethodCache
}
