package http

import (
	"bufio"
	"errors"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// head is what the reader keeps of the request or response head it reads.
// Everything in it is parsed as the lines go by, because a line's bytes
// are only valid until the next read.
type head struct {
	size  int // bytes of the head so far, line endings included
	lines int // header lines so far

	// The request or status line.
	verb   verb
	http10 bool

	contentLength int64 // -1 when absent
	chunked       bool
	badFraming    string // a Content-Length or Transfer-Encoding that cannot frame the body

	codec     byte // from Content-Type
	ctypeSeen bool
	ctypeBad  bool // a media type that maps to no codec
	codecHdr  int  // Rpc-Codec, or -1
	accept    byte

	close     bool // Connection: close
	keepAlive bool // Connection: keep-alive
	expect100 bool
	hosts     int

	timeout time.Duration
	push    bool
	control control // Rpc-Type: cancel or goaway
	filters []byte
	rpcCode int32
	hasCode bool

	cancelSeq uint32 // Rpc-Cancel: the ordinal of the request a cancel names
	cancelBad bool   // an Rpc-Cancel that is not such an ordinal

	pairs []int // per metadata pair: key start, key end (value start), value end in framer.meta

	bad string // the first problem that makes the request a 400 but leaves the stream in step
	// metaOver says why the Rpc-Meta-* headers pass the caps on metadata:
	// the request is answered 431, the stream in step.
	metaOver string
}

// reset clears h for the next head, keeping its slices' capacity.
func (h *head) reset() {
	filters, pairs := h.filters[:0], h.pairs[:0]
	*h = head{contentLength: -1, codecHdr: -1, filters: filters, pairs: pairs}
}

// setBad records the first problem of the request.
func (h *head) setBad(why string) {
	if h.bad == "" {
		h.bad = why
	}
}

// Errors of line reading.
var (
	errLineTooLong  = errors.New("http: line longer than 8 KiB")
	errHeadTooLarge = errors.New("http: head larger than 64 KiB")
	errTooManyLines = errors.New("http: more than 100 header lines")
)

// readLine reads the next line and returns it without its line ending
// (CRLF, or a bare LF). The slice is valid until the next read. The line
// counts towards the head's size. A stream that ends inside the line gives
// io.ErrUnexpectedEOF, or io.EOF when not a byte of the line was read.
func (f *framer) readLine() ([]byte, error) {
	b, err := f.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		b, err = f.readLongLine(b)
	}
	f.h.size += len(b)
	if err != nil {
		if err == io.EOF && len(b) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	n := len(b) - 1
	if n > 0 && b[n-1] == '\r' {
		n--
	}
	if n > maxLineBytes {
		return nil, errLineTooLong
	}
	if f.h.size > maxHeadBytes {
		return nil, errHeadTooLarge
	}
	return b[:n], nil
}

// readLongLine goes on with a line that filled the reader's buffer,
// collecting it in f.long, and stops as soon as it is too long.
func (f *framer) readLongLine(b []byte) ([]byte, error) {
	f.long = append(f.long[:0], b...)
	for {
		if len(f.long) > maxLineBytes+2 {
			return nil, errLineTooLong
		}
		b, err := f.r.ReadSlice('\n')
		f.long = append(f.long, b...)
		if err != bufio.ErrBufferFull {
			return f.long, err
		}
	}
}

// readFields reads header lines up to the empty line that ends the head,
// parsing each into f.h. It returns a *failure for a head that is too
// large or malformed (the stream is then out of step), or the read error.
func (f *framer) readFields() error {
	for {
		line, err := f.readLine()
		if err != nil {
			return headError(err)
		}
		if len(line) == 0 {
			return nil
		}
		f.h.lines++
		if f.h.lines > maxHeaderLines {
			return tooLarge(statusHeaderTooLarge, errTooManyLines)
		}
		if fl := f.field(line); fl != nil {
			return fl
		}
	}
}

// headError turns an error of readLine into the failure it means, or
// passes a read error through.
func headError(err error) error {
	switch err {
	case errLineTooLong, errHeadTooLarge:
		return tooLarge(statusHeaderTooLarge, err)
	case io.EOF:
		return io.ErrUnexpectedEOF // inside a head
	}
	return err
}

// field parses one header line into f.h.
func (f *framer) field(line []byte) *failure {
	if line[0] == ' ' || line[0] == '\t' {
		return malformed(statusBadRequest, true, "http: obsolete header line folding")
	}
	colon := -1
	for i, c := range line {
		if c == ':' {
			colon = i
			break
		}
	}
	if colon <= 0 || !isToken(line[:colon]) {
		return malformed(statusBadRequest, true, "http: malformed header line")
	}
	name, value := line[:colon], trimOWS(line[colon+1:])
	for _, c := range value {
		if c < ' ' && c != '\t' || c == 0x7f {
			return malformed(statusBadRequest, true, "http: control character in a header value")
		}
	}
	h := &f.h
	if hasPrefixFold(name, metaPrefix) {
		f.addMeta(name[len(metaPrefix):], value)
		return nil
	}
	if len(name) == len(hdrAuthorization) && equalFold(name, hdrAuthorization) {
		// The standard credential header is the metadata pair
		// "authorization", so that auth works with any HTTP client.
		f.addMeta(name, value)
		return nil
	}
	switch headerOf(name) {
	case hContentLength:
		n, ok := parseLength(value)
		if !ok || h.contentLength >= 0 && n != h.contentLength {
			h.badFraming = "http: invalid Content-Length"
		}
		h.contentLength = n
	case hTransferEncoding:
		if h.chunked || !equalFold(value, "chunked") {
			h.badFraming = "http: unsupported Transfer-Encoding"
		}
		h.chunked = true
	case hContentType:
		if h.ctypeSeen {
			h.setBad("http: repeated Content-Type")
		}
		h.ctypeSeen = true
		if id, ok := codecOf(value); ok {
			h.codec = id
		} else {
			h.ctypeBad = true
		}
	case hAccept:
		if h.accept == 0 {
			h.accept = acceptedCodec(value)
		}
	case hConnection:
		forEachElement(value, func(tok []byte) {
			switch {
			case equalFold(tok, "close"):
				h.close = true
			case equalFold(tok, "keep-alive"):
				h.keepAlive = true
			}
		})
	case hExpect:
		if equalFold(value, "100-continue") {
			h.expect100 = true
		}
	case hHost:
		h.hosts++
	case hTimeout:
		d, ok := parseTimeout(value)
		if !ok {
			h.setBad("http: invalid Rpc-Timeout")
		}
		h.timeout = d
	case hType:
		h.push, h.control = false, controlNone
		switch {
		case equalFold(value, "push"):
			h.push = true
		case equalFold(value, "call"):
		case equalFold(value, "cancel"):
			h.control = controlCancel
		case equalFold(value, "goaway"):
			h.control = controlGoAway
		default:
			h.setBad("http: unknown Rpc-Type")
		}
	case hCancel:
		n, err := strconv.ParseUint(string(value), 10, 32)
		h.cancelSeq, h.cancelBad = uint32(n), err != nil || n == 0 || !isDigits(value)
	case hCodec:
		n, ok := parseSmall(value, 255)
		if !ok {
			h.setBad("http: invalid Rpc-Codec")
		}
		h.codecHdr = n
	case hFilters:
		f.parseFilters(value)
	case hCode:
		n, err := strconv.ParseInt(string(value), 10, 32)
		if err == nil && n != 0 {
			h.rpcCode, h.hasCode = int32(n), true
		}
	}
	return nil
}

// The header fields the framer reads.
const (
	hOther = iota
	hHost
	hAccept
	hExpect
	hConnection
	hContentType
	hContentLength
	hTransferEncoding
	hTimeout
	hType
	hCodec
	hFilters
	hCode
	hCancel
)

// headerOf returns which of the framer's header fields name is.
func headerOf(name []byte) int {
	switch len(name) {
	case 4:
		if equalFold(name, "host") {
			return hHost
		}
	case 6:
		switch {
		case equalFold(name, "accept"):
			return hAccept
		case equalFold(name, "expect"):
			return hExpect
		}
	case 8:
		switch {
		case equalFold(name, hdrType):
			return hType
		case equalFold(name, hdrCode):
			return hCode
		}
	case 9:
		if equalFold(name, hdrCodec) {
			return hCodec
		}
	case 10:
		switch {
		case equalFold(name, "connection"):
			return hConnection
		case equalFold(name, hdrCancel):
			return hCancel
		}
	case 11:
		switch {
		case equalFold(name, hdrTimeout):
			return hTimeout
		case equalFold(name, hdrFilters):
			return hFilters
		}
	case 12:
		if equalFold(name, "content-type") {
			return hContentType
		}
	case 14:
		if equalFold(name, "content-length") {
			return hContentLength
		}
	case 17:
		if equalFold(name, "transfer-encoding") {
			return hTransferEncoding
		}
	}
	return hOther
}

// parseTimeout parses an Rpc-Timeout value, a Go duration ("1.5s",
// "250ms") above zero. The form writers use, an integer and one unit,
// is parsed without allocating.
func parseTimeout(v []byte) (time.Duration, bool) {
	i := 0
	var n int64
	for i < len(v) && isDigit(v[i]) && i < 15 {
		n = n*10 + int64(v[i]-'0')
		i++
	}
	if i > 0 && i < len(v) && !isDigit(v[i]) {
		var unit time.Duration
		switch string(v[i:]) {
		case "ns":
			unit = time.Nanosecond
		case "us", "µs":
			unit = time.Microsecond
		case "ms":
			unit = time.Millisecond
		case "s":
			unit = time.Second
		}
		if unit != 0 && n > 0 && n <= int64(math.MaxInt64/unit) {
			return time.Duration(n) * unit, true
		}
	}
	d, err := time.ParseDuration(string(v))
	return d, err == nil && d > 0
}

// isDigits reports whether b is one or more ASCII digits.
func isDigits(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return len(b) > 0
}

// parseSmall parses a decimal number from 0 to max.
func parseSmall(v []byte, max int) (int, bool) {
	if len(v) == 0 || len(v) > 3 {
		return -1, false
	}
	n := 0
	for _, c := range v {
		if !isDigit(c) {
			return -1, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n <= max
}

// parseFilters reads an Rpc-Filters value: filter ids, 1 to 255, in the
// order they were applied, separated by commas.
func (f *framer) parseFilters(value []byte) {
	h := &f.h
	forEachElement(value, func(tok []byte) {
		n, ok := parseSmall(tok, 255)
		if !ok || n == 0 {
			h.setBad("http: invalid Rpc-Filters")
			return
		}
		h.filters = append(h.filters, byte(n))
	})
	if len(h.filters) > 255 {
		h.setBad("http: more than 255 filters")
	}
}

// parseLength parses a Content-Length value: decimal digits only, at most
// 18 of them so that it fits in an int64.
func parseLength(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return -1, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// forEachElement calls fn with each non-empty element of a comma-separated
// header value, spaces around it trimmed.
func forEachElement(v []byte, fn func(tok []byte)) {
	for len(v) > 0 {
		i := 0
		for i < len(v) && v[i] != ',' {
			i++
		}
		if tok := trimOWS(v[:i]); len(tok) > 0 {
			fn(tok)
		}
		if i == len(v) {
			return
		}
		v = v[i+1:]
	}
}

// trimOWS removes spaces and tabs around b.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// lower returns c in lower case when it is an ASCII letter.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFold reports whether b equals s, ignoring ASCII case. s is lower case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether b starts with s, ignoring ASCII case. s is
// lower case.
func hasPrefixFold(b []byte, s string) bool {
	return len(b) >= len(s) && equalFold(b[:len(s)], s)
}

// isTchar reports whether c may appear in a token (RFC 9110, section 5.6.2).
func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// isToken reports whether b is a non-empty token.
func isToken[T string | []byte](b T) bool {
	if len(b) == 0 {
		return false
	}
	for i := range len(b) {
		if !isTchar(b[i]) {
			return false
		}
	}
	return true
}

// failure is a request or response the reader refuses: the HTTP status to
// answer a request with, the rpc code of the error, whether the stream is
// out of step (then the connection closes after the answer), and the Allow
// header of a 405.
type failure struct {
	status int
	code   int32
	close  bool
	allow  string
	err    error // wraps wire.ErrMalformed or wire.ErrTooLarge
}

func (fl *failure) Error() string { return fl.err.Error() }

// malformed returns a failure wrapping wire.ErrMalformed.
func malformed(status int, close bool, msg string) *failure {
	return &failure{status: status, code: codeFor(status), close: close, err: wrapMalformed(msg)}
}

// tooLarge returns a failure wrapping wire.ErrTooLarge; the stream is out
// of step.
func tooLarge(status int, err error) *failure {
	return &failure{status: status, code: wire.CodeTooLarge, close: true, err: wrapTooLarge(err.Error())}
}

// metaTooLarge returns the failure of a head whose metadata is over the
// caps, which the head says why; the stream is in step.
func metaTooLarge(why string) *failure {
	return &failure{status: statusHeaderTooLarge, code: wire.CodeTooLarge, err: wrapTooLarge(why)}
}

// overBudget returns the failure of a body that the budget cannot hold,
// err the Reserve's error; the stream is in step, the body skipped.
func overBudget(n int, err error) *failure {
	return &failure{
		status: statusUnavailable,
		code:   wire.CodeOverloaded,
		err:    &formatError{"http: body of " + strconv.Itoa(n) + " bytes: " + err.Error(), wire.ErrOverBudget},
	}
}
