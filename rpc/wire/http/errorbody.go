package http

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// appendErrorBody appends the body of an error response:
// {"code":<rpc code>,"message":"<status message>"}.
func appendErrorBody(dst []byte, code int32, msg string) []byte {
	dst = append(dst, `{"code":`...)
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, `,"message":`...)
	dst = appendJSONString(dst, msg)
	return append(dst, '}')
}

// appendJSONString appends s as a JSON string. Quotes, backslashes and
// control characters are escaped, as are U+2028 and U+2029, and each byte
// that is not valid UTF-8 becomes U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < ' ':
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case r == '\u2028':
			dst = append(dst, `\u2028`...)
		case r == '\u2029':
			dst = append(dst, `\u2029`...)
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// errorBody is the JSON body of an error response.
type errorBody struct {
	Code    *float64 `json:"code"`
	Message string   `json:"message"`
}

// parseErrorBody reads the JSON body of an error response. ok is false
// when b is not such a body or its code is 0 or not an int32.
func parseErrorBody(b []byte) (code int32, msg string, ok bool) {
	var eb errorBody
	if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &eb) != nil || eb.Code == nil {
		return 0, "", false
	}
	c := *eb.Code
	if c != math.Trunc(c) || c == 0 || c < math.MinInt32 || c > math.MaxInt32 {
		return 0, "", false
	}
	return int32(c), eb.Message, true
}
