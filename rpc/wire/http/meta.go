package http

import (
	"github.com/dmicro-go/dmicro/rpc/wire"
)

// The names of the format's own headers, in lower case for matching; they
// are written in their canonical form ("Rpc-Timeout").
const (
	// metaPrefix starts the name of every metadata header: "Rpc-Meta-Author:
	// liu" carries the pair author=liu.
	metaPrefix = "rpc-meta-"
	hdrTimeout = "rpc-timeout"
	hdrType    = "rpc-type"
	hdrCodec   = "rpc-codec"
	hdrFilters = "rpc-filters"
	hdrCode    = "rpc-code"
	hdrCancel  = "rpc-cancel"
	// hdrAuthorization is read as the metadata pair "authorization".
	hdrAuthorization = "authorization"
)

// startHead prepares the reader for a new head.
func (f *framer) startHead() {
	f.h.reset()
	f.meta = f.meta[:0]
}

// addMeta records a metadata pair of the head being read. Its key is the
// header name after the prefix, in lower case: HTTP header names ignore
// case, so the lower-case form is the one that survives any proxy. A pair
// that takes the head's metadata over the caps is not recorded: the head
// is marked (metaOver), and its request is refused once it is read.
func (f *framer) addMeta(key, value []byte) {
	h := &f.h
	if h.metaOver != "" {
		return
	}
	if err := f.metaCaps.Check("http", len(h.pairs)/3+1, len(f.meta)+len(key)+len(value)); err != nil {
		h.metaOver = err.Error()
		return
	}
	ks := len(f.meta)
	for _, c := range key {
		f.meta = append(f.meta, lower(c))
	}
	ke := len(f.meta)
	f.meta = append(f.meta, value...)
	f.h.pairs = append(f.h.pairs, ks, ke, len(f.meta))
}

// takeMeta appends the metadata of the head just read to md. Every key and
// value is a slice of one string, so that a head's metadata costs one
// allocation.
func (f *framer) takeMeta(md *wire.Metadata) {
	p := f.h.pairs
	if len(p) == 0 {
		return
	}
	s := string(f.meta)
	for i := 0; i+2 < len(p); i += 3 {
		md.Append(s[p[i]:p[i+1]], s[p[i+1]:p[i+2]])
	}
}

// metaError returns why md cannot be carried in headers, or "": a key must
// be a token (or empty) and a value must hold no control character other
// than a tab.
func metaError(md *wire.Metadata) string {
	why := ""
	md.Range(func(k, v string) bool {
		if k != "" && !isToken(k) {
			why = "http: metadata key " + quote(k) + " is not an HTTP token"
			return false
		}
		for i := range len(v) {
			if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
				why = "http: metadata value of " + quote(k) + " holds a control character"
				return false
			}
		}
		return true
	})
	return why
}

// appendMeta appends md as Rpc-Meta-* header lines, each key in canonical
// form: "trace-id" becomes "Rpc-Meta-Trace-Id".
func appendMeta(dst []byte, md *wire.Metadata) []byte {
	md.Range(func(k, v string) bool {
		dst = append(dst, "Rpc-Meta-"...)
		up := true
		for i := range len(k) {
			c := k[i]
			switch {
			case up && 'a' <= c && c <= 'z':
				c -= 'a' - 'A'
			case !up && 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			up = c == '-'
		}
		dst = append(dst, ": "...)
		dst = append(dst, v...)
		dst = append(dst, "\r\n"...)
		return true
	})
	return dst
}

// metaSize returns the bytes appendMeta appends for md.
func metaSize(md *wire.Metadata) int {
	n := 0
	md.Range(func(k, v string) bool {
		n += len("Rpc-Meta-: \r\n") + len(k) + len(v)
		return true
	})
	return n
}

// quote returns s in double quotes, for error messages; it is short and
// only meant for people.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return string(appendJSONString(nil, s))
}
