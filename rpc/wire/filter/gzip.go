package filter

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// defaultMinSize is the size below which Gzip does not compress a body when
// its MinSize is zero.
const defaultMinSize = 1024

// Gzip is the gzip transfer filter: id 'z', name "gzip". It compresses
// bodies of at least MinSize bytes and leaves a body alone (Encode reports
// it not applied) when compression does not make it smaller.
//
// The zero Gzip compresses bodies of 1024 bytes or more at
// gzip.DefaultCompression. A Gzip is a plain value and safe for concurrent
// use; its gzip writers and readers come from package-wide pools, so a
// message costs no new compressor.
type Gzip struct {
	// Level is the compression level: gzip.BestSpeed (1) to
	// gzip.BestCompression (9), gzip.DefaultCompression (-1) or
	// gzip.HuffmanOnly (-2). Zero means gzip.DefaultCompression, unlike
	// compress/gzip where 0 is gzip.NoCompression: a filter that does not
	// compress is better left out. Any other value makes Encode fail.
	// Decode reads every level.
	Level int
	// MinSize is the smallest body Encode compresses; smaller ones are
	// sent as they are. Zero means 1024 bytes; a negative MinSize
	// compresses every body.
	MinSize int
}

var _ wire.Filter = Gzip{}

// ID returns 'z'.
func (Gzip) ID() byte { return 'z' }

// Name returns "gzip".
func (Gzip) Name() string { return "gzip" }

// Encode appends the gzip stream of body to dst. It returns dst unchanged
// and applied false when body is shorter than the MinSize threshold or when
// its compressed form is not shorter than body; either way dst's spare
// capacity may have been written. An invalid Level is an error whatever the
// body's size.
func (g Gzip) Encode(dst, body []byte) (out []byte, applied bool, err error) {
	level, err := g.level()
	if err != nil {
		return dst, false, err
	}
	minSize := g.MinSize
	if minSize == 0 {
		minSize = defaultMinSize
	}
	if len(body) < minSize {
		return dst, false, nil
	}
	e := getGzipEncoder(level)
	// The writer refuses to grow past the body's size, so an incompressible
	// body is abandoned as soon as that is certain.
	e.out = boundedWriter{b: dst, max: len(dst) + len(body) - 1}
	e.zw.Reset(&e.out)
	_, err = e.zw.Write(body)
	if err == nil {
		err = e.zw.Close()
	}
	out = e.out.b
	e.out.b = nil
	gzipEncoders[level-gzip.HuffmanOnly].Put(e)
	switch {
	case errors.Is(err, errNotSmaller):
		return dst, false, nil
	case err != nil:
		return dst, false, fmt.Errorf("filter: gzip: %w", err)
	}
	return out, true, nil
}

// Decode appends the body the gzip stream data holds to dst. It never holds
// more than limit bytes of output, plus one: a stream that expands further
// is abandoned with an error wrapping wire.ErrTooLarge. A limit of zero or
// less means 4 MiB. Corrupt or truncated data, a checksum mismatch and
// bytes after the end of the stream (a second gzip member included) give an
// error wrapping wire.ErrIntegrity. On error Decode returns dst unchanged.
func (Gzip) Decode(dst, data []byte, limit int) ([]byte, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	d, _ := gzipDecoders.Get().(*gzipDecoder)
	if d == nil {
		d = new(gzipDecoder)
	}
	out, err := d.decode(dst, data, limit)
	d.src.Reset(nil)
	gzipDecoders.Put(d)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// level returns the compress/gzip level g asks for.
func (g Gzip) level() (int, error) {
	switch {
	case g.Level == 0:
		return gzip.DefaultCompression, nil
	case g.Level == gzip.HuffmanOnly, g.Level == gzip.DefaultCompression,
		g.Level >= gzip.BestSpeed && g.Level <= gzip.BestCompression:
		return g.Level, nil
	}
	return 0, fmt.Errorf("filter: gzip: invalid level %d; want %d to %d, %d (default) or %d (Huffman only)",
		g.Level, gzip.BestSpeed, gzip.BestCompression, gzip.DefaultCompression, gzip.HuffmanOnly)
}

// errNotSmaller stops a compression whose output would not be smaller than
// its input.
var errNotSmaller = errors.New("filter: gzip: compressed body not smaller")

// boundedWriter appends to b and fails with errNotSmaller rather than grow
// it past max bytes.
type boundedWriter struct {
	b   []byte
	max int
}

func (w *boundedWriter) Write(p []byte) (int, error) {
	if len(w.b)+len(p) > w.max {
		return 0, errNotSmaller
	}
	w.b = append(w.b, p...)
	return len(p), nil
}

// gzipEncoder is a pooled gzip writer with the buffer it writes to.
type gzipEncoder struct {
	zw  *gzip.Writer
	out boundedWriter
}

// gzipEncoders holds a pool of encoders per level, indexed by level minus
// gzip.HuffmanOnly. A gzip.Writer costs about 800 KB to make.
var gzipEncoders [gzip.BestCompression - gzip.HuffmanOnly + 1]sync.Pool

// getGzipEncoder returns a pooled encoder for level, which is valid.
func getGzipEncoder(level int) *gzipEncoder {
	if e, ok := gzipEncoders[level-gzip.HuffmanOnly].Get().(*gzipEncoder); ok {
		return e
	}
	e := new(gzipEncoder)
	e.zw, _ = gzip.NewWriterLevel(&e.out, level) // level was checked
	return e
}

// gzipDecoder is a pooled gzip reader with the readers around it.
type gzipDecoder struct {
	src bytes.Reader
	zr  gzip.Reader
	lr  io.LimitedReader
}

// gzipDecoders holds the decoders of all levels.
var gzipDecoders sync.Pool

// decode appends the body data holds to dst, reading at most limit+1 bytes
// of it through d.lr, and grows dst no further than that.
func (d *gzipDecoder) decode(dst, data []byte, limit int) ([]byte, error) {
	d.src.Reset(data)
	// bytes.Reader is an io.ByteReader, so gzip and flate read exactly the
	// bytes of the stream and src.Len tells what follows it.
	if err := d.zr.Reset(&d.src); err != nil {
		return nil, corruptGzip(err)
	}
	d.zr.Multistream(false)
	n := int64(limit)
	if n < math.MaxInt64 {
		n++
	}
	d.lr = io.LimitedReader{R: &d.zr, N: n}
	start := len(dst)
	for {
		if len(dst) == cap(dst) {
			// Guess from the compressed size, then double, but never
			// past what the limit still lets in.
			want := max(2*len(data), 512, len(dst)-start)
			dst = slices.Grow(dst, int(min(int64(want), d.lr.N)))
		}
		n, err := d.lr.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if len(dst)-start > limit {
			return nil, fmt.Errorf("filter: gzip: body expands past the %d-byte limit: %w", limit, wire.ErrTooLarge)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, corruptGzip(err)
		}
	}
	if rest := d.src.Len(); rest != 0 {
		return nil, fmt.Errorf("filter: gzip: %d bytes after the end of the stream: %w", rest, wire.ErrIntegrity)
	}
	return dst, nil
}

// corruptGzip wraps ErrIntegrity around a gzip reading error. The cause is
// kept as text only: an io.EOF from a truncated stream must not read as the
// end of a connection.
func corruptGzip(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("filter: gzip: %w: %v", wire.ErrIntegrity, err)
}

// DecodedSize returns the size that data's trailer says the body has, its
// ISIZE field (the size modulo 2³²); see wire.DecodedSizer. Decode given
// that size as its limit refuses a stream that expands further, so a
// trailer that lies costs no more than it claims.
func (Gzip) DecodedSize(data []byte) int {
	if len(data) < gzipMinSize {
		return 0
	}
	return int(binary.LittleEndian.Uint32(data[len(data)-4:]))
}

// gzipMinSize is the size of the smallest gzip stream: a 10-byte header,
// an empty deflate block and the 8-byte trailer.
const gzipMinSize = 10 + 2 + 8
