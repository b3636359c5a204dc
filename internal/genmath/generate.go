// Package genmath is the example service of protoc-gen-dmicro: math.proto,
// the Go code protoc-gen-go and protoc-gen-dmicro generate from it, and the
// OpenAPI document of its routes over the http format (openapi.json). The
// end-to-end tests call it with the generated client over the raw and http
// formats, against the generated server and against a struct registered by
// reflection; cmd/protoc-gen-dmicro's tests validate openapi.json and call a
// route with curl as the document describes it.
//
// The generated files are checked in. `make generate` regenerates them; it
// builds protoc-gen-go (go.mod's version) and protoc-gen-dmicro into bin/ and
// puts them on PATH for protoc (apt-get install protobuf-compiler).
package genmath

//go:generate protoc --go_out=. --go_opt=paths=source_relative --dmicro_out=. --dmicro_opt=paths=source_relative,openapi math.proto
