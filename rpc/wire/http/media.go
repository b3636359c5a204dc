package http

// Codec ids of the toolkit's standard codecs (see the codec package).
const (
	codecJSON     = 'j'
	codecProtobuf = 'p'
	codecForm     = 'f'
	codecXML      = 'x'
	codecPlain    = 's'
)

// codecOf returns the codec id of a Content-Type value. Parameters are
// ignored and the media type is matched without regard to case.
func codecOf(v []byte) (byte, bool) {
	mt := v
	for i, c := range v {
		if c == ';' {
			mt = v[:i]
			break
		}
	}
	mt = trimOWS(mt)
	switch {
	case equalFold(mt, "application/json"):
		return codecJSON, true
	case equalFold(mt, "application/protobuf"), equalFold(mt, "application/x-protobuf"):
		return codecProtobuf, true
	case equalFold(mt, "application/x-www-form-urlencoded"):
		return codecForm, true
	case equalFold(mt, "application/xml"), equalFold(mt, "text/xml"):
		return codecXML, true
	case equalFold(mt, "text/plain"), equalFold(mt, "application/octet-stream"):
		return codecPlain, true
	}
	return 0, false
}

// mediaType returns the Content-Type the framer writes for a body of codec
// id, or "" when the codec has none (a codec added by the application).
func mediaType(id byte) string {
	switch id {
	case codecJSON:
		return "application/json"
	case codecProtobuf:
		return "application/x-protobuf"
	case codecForm:
		return "application/x-www-form-urlencoded"
	case codecXML:
		return "application/xml"
	case codecPlain:
		return "text/plain; charset=utf-8"
	}
	return ""
}

// acceptedCodec returns the codec of the first media type of an Accept
// value that maps to one, or 0. Quality values are ignored: the order of
// the list decides.
func acceptedCodec(v []byte) byte {
	var id byte
	forEachElement(v, func(mt []byte) {
		if id == 0 {
			id, _ = codecOf(mt)
		}
	})
	return id
}
