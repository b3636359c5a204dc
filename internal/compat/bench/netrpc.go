package bench

import (
	"context"
	"net"
	"net/rpc"

	"google.golang.org/protobuf/proto"

	"github.com/dmicro-go/dmicro/internal/benchpb"
	"github.com/dmicro-go/dmicro/internal/loadgen"
)

// NetRPC is the standard library's net/rpc with its gob codec, the
// baseline every Go RPC is measured against.
type NetRPC struct{}

// BenchService is the net/rpc service: Bench.Echo and Bench.Usage.
type BenchService struct{}

// Echo returns its argument.
func (BenchService) Echo(in *benchpb.BenchmarkMessage, out *benchpb.BenchmarkMessage) error {
	proto.Reset(out)
	proto.Merge(out, in)
	return nil
}

// Usage returns the server's usage so far.
func (BenchService) Usage(_ struct{}, out *loadgen.Usage) error {
	*out = loadgen.Self()
	return nil
}

// Serve serves net/rpc on l.
func (NetRPC) Serve(l net.Listener) error {
	s := rpc.NewServer()
	if err := s.RegisterName("Bench", BenchService{}); err != nil {
		return err
	}
	for {
		nc, err := l.Accept()
		if err != nil {
			return err
		}
		go s.ServeConn(nc)
	}
}

type netRPCClient struct {
	c   *rpc.Client
	arg *benchpb.BenchmarkMessage
}

// Dial connects to addr.
func (NetRPC) Dial(ctx context.Context, addr string) (Client, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &netRPCClient{c: rpc.NewClient(nc), arg: benchpb.Sample()}, nil
}

func (c *netRPCClient) Call(ctx context.Context) error {
	var reply benchpb.BenchmarkMessage
	call := c.c.Go("Bench.Echo", c.arg, &reply, make(chan *rpc.Call, 1))
	select {
	case <-call.Done:
		return call.Error
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *netRPCClient) Usage(ctx context.Context) (loadgen.Usage, error) {
	var u loadgen.Usage
	err := c.c.Call("Bench.Usage", struct{}{}, &u)
	return u, err
}

func (c *netRPCClient) Close() error { return c.c.Close() }
