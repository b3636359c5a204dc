module github.com/dmicro-go/dmicro/internal/compat/mdns

go 1.26.2

require (
	github.com/dmicro-go/dmicro v0.0.0
	github.com/hashicorp/mdns v1.0.7
	github.com/miekg/dns v1.1.73
)

require (
	golang.org/x/net v0.61.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)

replace github.com/dmicro-go/dmicro => ../../..
