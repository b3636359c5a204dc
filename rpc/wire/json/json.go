package json

import (
	"bufio"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// Version is the value of the "v" member of the frames that this package
// reads and writes.
const Version = 1

const (
	// lenSize is the size of the frame's length field.
	lenSize = 4
	// codecJSON is the id of the JSON body codec: a body in that codec is
	// embedded in the frame when it is one JSON value.
	codecJSON = 'j'
	// maxFilters is the largest number of filters a frame can carry.
	maxFilters = 255
	// headerPeek is how many bytes at the start of a frame that cannot be
	// decoded (too large, or not valid JSON) are searched for its type and
	// seq.
	headerPeek = 64
	// maxBodyDepth is the deepest nesting of arrays and objects of a body
	// that the writer embeds; deeper bodies go as base64, so that a frame
	// stays well within the nesting that encoding/json accepts.
	maxBodyDepth = 1000
	// maxRetained caps the capacity of each scratch buffer a framer keeps
	// from one frame to the next, so that one large frame does not pin
	// its size for the life of the connection.
	maxRetained = 64 << 10
)

// Format is the json frame format. Its zero value is ready to use.
type Format struct{}

var (
	_ wire.Format  = Format{}
	_ wire.Sniffer = Format{}
)

// Name returns "json".
func (Format) Name() string { return "json" }

// NewFramer returns a framer that reads json frames from r and refuses
// frames larger than opts.Limit() in both directions, and frames read
// whose metadata passes opts.MetadataLimits().
func (Format) NewFramer(r *bufio.Reader, opts wire.Options) wire.Framer {
	f := &framer{limit: opts.Limit(), meta: opts.MetadataLimits()}
	f.FrameReader = wire.FrameReader{
		R: r, Limit: f.limit, Budget: opts.Budget, Name: "json", Parse: f.parse,
		MinLen: 1, Header: peekHeader, HeaderLen: headerPeek,
	}
	return f
}

// Sniff recognises a json stream: a length prefix followed by '{', since
// a writer puts no white space before the object.
func (Format) Sniff(prefix []byte) wire.SniffResult {
	if len(prefix) < lenSize+1 {
		return wire.NeedMore
	}
	if prefix[lenSize] == '{' {
		return wire.Yes
	}
	return wire.No
}

// framer reads and writes the json frames of one connection. Everything
// but limit belongs to ReadMessage.
type framer struct {
	wire.FrameReader // its ReadMessage is the framer's
	limit            int
	meta             wire.MetadataLimits // caps the metadata of a frame read
	// methods interns method names.
	methods wire.MethodCache
	// obj receives the members of the frame being read.
	obj object
	// text holds the decoded status message and metadata of the frame
	// being read, back to back; ends holds where each string ends in it.
	text []byte
	ends []int
	// scratch holds one decoded string or base64 text at a time.
	scratch []byte
}
