// Package protofast holds the small run-time helpers and the sentinel
// errors of the marshalling code protoc-gen-dmicro generates: tag and
// length decoding with proto's limits, UTF-8 checks, strings that alias a
// decode buffer, sorted map keys, and the fallbacks to
// google.golang.org/protobuf for message types the generator did not see.
//
// Generated code calls these functions; programs rarely need them. Every
// error they return wraps one of the sentinels below, which the protobuf
// codec in package codec reports as [codec.ErrDecode] (decoding) or
// [codec.ErrUnsupportedType] (encoding), the same as for errors from
// proto.Unmarshal and proto.Marshal.
//
// The functions have no state and are safe for concurrent use.
package protofast
