// Package codec turns Go values into message bodies and back.
//
// A [Codec] appends the encoding of a value to a byte slice and decodes a
// body into a value. Each codec has a one-byte id, which names it inside a
// frame, and a lowercase name, which users choose it by. The package
// provides five:
//
//	id   name        type        body
//	'j'  "json"      [JSON]      encoding/json
//	'p'  "protobuf"  [Protobuf]  protocol buffers (values implement proto.Message)
//	's'  "plain"     [Plain]     text and bytes as they are, numbers in strconv form
//	'f'  "form"      [Form]      application/x-www-form-urlencoded
//	'x'  "xml"       [XML]       encoding/xml
//
// The id 0 is reserved: frames use it for "no body".
//
// A [Set] is a table of codecs looked up by id and by name. [Standard]
// returns a new set holding the five codecs above; [Set.Add] adds more.
//
// # Errors
//
// A value or target of a type a codec cannot handle gives an error wrapping
// [ErrUnsupportedType]; so does a value of a handled type that still cannot
// be encoded, such as a NaN given to JSON. Bytes that do not decode into the
// target give an error wrapping [ErrDecode]. Test for them with
// [errors.Is].
//
// # Concurrency
//
// The codecs of this package have no state and are safe for concurrent
// use, as every Codec must be. A Set is safe for concurrent use: lookups
// never lock nor allocate, and may run while another goroutine calls Add.
//
// # Buffers
//
// Marshal appends to the slice it is given, so that callers can encode into
// pooled buffers. Unmarshal never keeps a reference to its input after it
// returns: strings and byte slices in the decoded value are copies. Callers
// may therefore reuse the input buffer at once. Codecs added to a Set must
// follow the same rule. Unmarshal never panics on malformed input; it
// returns an error instead.
//
// See the examples for a Set and the JSON codec in use.
package codec
