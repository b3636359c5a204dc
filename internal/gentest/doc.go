// Package gentest holds messages using every kind of field
// protoc-gen-dmicro supports (all.proto, proto3; legacy.proto, proto2 with
// required fields, defaults and closed enums), their protoc-gen-go and
// protoc-gen-dmicro code, checked in, and the tests that compare the
// generated marshalling with google.golang.org/protobuf's: random messages,
// corrupted and hand-made inputs, and fuzz targets.
//
// Regenerating the code requires protoc, protoc-gen-go v1.36.11 and
// protoc-gen-dmicro on PATH:
//
//	go build -o /tmp/bin/ google.golang.org/protobuf/cmd/protoc-gen-go ./cmd/protoc-gen-dmicro
//	PATH=/tmp/bin:$PATH go generate ./internal/gentest/
package gentest
