package pb_test

import (
	"net"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/json"
	"github.com/dmicro-go/dmicro/rpc/wire/pb"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
)

// TestConformance runs the rpc package's conformance suite over TCP with
// every frame in this format.
func TestConformance(t *testing.T) {
	rpctest.RunFormats(t, rpctest.TCP(), pb.Format{})
}

// TestOnePortThreeFormats serves raw, json and pb on one listener, which
// tells them apart by their Sniff methods, and calls it in each format.
func TestOnePortThreeFormats(t *testing.T) {
	leakcheck.Check(t)
	formats := []wire.Format{raw.Format{}, json.Format{}, pb.Format{}}
	srv, err := rpc.NewEndpoint(rpc.Config{Formats: formats})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Router().RouteCall(new(rpctest.Math)); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(l)
	}()
	defer func() {
		srv.Close()
		<-served
	}()

	for _, f := range formats {
		t.Run(f.Name(), func(t *testing.T) {
			cli, err := rpc.NewEndpoint(rpc.Config{Format: f})
			if err != nil {
				t.Fatal(err)
			}
			defer cli.Close()
			sess, err := cli.Dial(rpctest.Context(t), l.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			var sum int
			var md rpc.Metadata
			err = sess.Call(rpctest.Context(t), "/math/add", []int{1, 2, 3}, &sum, rpc.WithMeta("author", "liu"), rpc.WithReplyMeta(&md))
			if err != nil || sum != 6 || md.Get("author") != "liu" {
				t.Fatalf("sum %d, author %q, err %v", sum, md.Get("author"), err)
			}
		})
	}
}
