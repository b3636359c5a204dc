package bench

import (
	"context"
	"net"
	"net/rpc"

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
	*out = benchpb.BenchmarkMessage{}
	copyMessage(out, in)
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

// copyMessage copies the exported fields of in to out: gob and the echo
// handlers need a value, and a generated message must not be copied whole.
func copyMessage(out, in *benchpb.BenchmarkMessage) {
	out.Id, out.RequestId, out.TraceId, out.UserId, out.TenantId, out.SessionId = in.Id, in.RequestId, in.TraceId, in.UserId, in.TenantId, in.SessionId
	out.UserName, out.DisplayName, out.Email, out.ServiceName, out.MethodName = in.UserName, in.DisplayName, in.Email, in.ServiceName, in.MethodName
	out.Title, out.Description, out.Locale, out.Currency = in.Title, in.Description, in.Locale, in.Currency
	out.Version, out.Attempt, out.ItemCount, out.Page, out.PageSize, out.StatusCode, out.Priority = in.Version, in.Attempt, in.ItemCount, in.Page, in.PageSize, in.StatusCode, in.Priority
	out.CreatedAtUnixMs, out.UpdatedAtUnixMs, out.TotalAmountCents, out.QuotaRemaining = in.CreatedAtUnixMs, in.UpdatedAtUnixMs, in.TotalAmountCents, in.QuotaRemaining
	out.RegionCode, out.Sequence, out.BalanceDelta, out.Score, out.Ratio = in.RegionCode, in.Sequence, in.BalanceDelta, in.Score, in.Ratio
	out.Active, out.Verified, out.Premium, out.DryRun, out.Compressed, out.Retryable = in.Active, in.Verified, in.Premium, in.DryRun, in.Compressed, in.Retryable
	out.Tags, out.Address, out.Checksum = in.Tags, in.Address, in.Checksum
}
