// Package benchpb holds the message the benchmarks send over the RPC and
// codec layers: BenchmarkMessage, a ~581-byte protobuf payload comparable to
// the one used by common RPC benchmark suites, and Sample, which returns a
// deterministic, fully filled instance of it.
//
// bench.pb.go (protoc-gen-go) and bench_dmicro.pb.go (protoc-gen-dmicro's
// fast marshalling, which codec.Protobuf uses) are generated from
// bench.proto and checked in. Regenerating them requires protoc (e.g.
// apt-get install protobuf-compiler), protoc-gen-go v1.36.11, matching the
// google.golang.org/protobuf version in go.mod, and protoc-gen-dmicro:
//
//	go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.11
//	go install ./cmd/protoc-gen-dmicro
//	go generate ./internal/benchpb/
package benchpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative --dmicro_out=. --dmicro_opt=paths=source_relative bench.proto
