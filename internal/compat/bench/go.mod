module github.com/dmicro-go/dmicro/internal/compat/bench

go 1.26.2

require (
	github.com/cloudflare/tableflip v1.2.3
	github.com/dmicro-go/dmicro v0.0.0
	google.golang.org/grpc v1.85.0
	google.golang.org/protobuf v1.36.12
)

require (
	golang.org/x/net v0.61.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260817212433-ac3dfec99bb1 // indirect
)

replace github.com/dmicro-go/dmicro => ../../..
