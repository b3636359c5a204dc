package bench

import (
	"context"
	"encoding/json"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/dmicro-go/dmicro/internal/benchpb"
	"github.com/dmicro-go/dmicro/internal/loadgen"
)

// GRPC is gRPC-go over plain-text HTTP/2 with the generated benchmark
// message (internal/benchpb). The service is what protoc-gen-go-grpc
// writes for
//
//	service Bench {
//	  rpc Echo(BenchmarkMessage) returns (BenchmarkMessage);
//	  rpc Usage(google.protobuf.Empty) returns (google.protobuf.BytesValue);
//	}
//
// with the descriptor spelled out here rather than generated, to keep the
// module free of a code-generation step.
type GRPC struct{}

const (
	grpcEcho  = "/dmicro.bench.Bench/Echo"
	grpcUsage = "/dmicro.bench.Bench/Usage"
)

var grpcService = grpc.ServiceDesc{
	ServiceName: "dmicro.bench.Bench",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: "Echo", Handler: func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			in := new(benchpb.BenchmarkMessage)
			if err := dec(in); err != nil {
				return nil, err
			}
			return in, nil
		}},
		{MethodName: "Usage", Handler: func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			if err := dec(new(emptypb.Empty)); err != nil {
				return nil, err
			}
			b, err := json.Marshal(loadgen.Self())
			return wrapperspb.Bytes(b), err
		}},
	},
	Metadata: "bench.proto",
}

// Serve serves gRPC on l.
func (GRPC) Serve(l net.Listener) error {
	s := grpc.NewServer()
	s.RegisterService(&grpcService, struct{}{})
	return s.Serve(l)
}

type grpcClient struct {
	cc  *grpc.ClientConn
	arg *benchpb.BenchmarkMessage
}

// Dial connects to addr.
func (GRPC) Dial(ctx context.Context, addr string) (Client, error) {
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	return &grpcClient{cc: cc, arg: benchpb.Sample()}, nil
}

func (c *grpcClient) Call(ctx context.Context) error {
	var reply benchpb.BenchmarkMessage
	return c.cc.Invoke(ctx, grpcEcho, c.arg, &reply)
}

func (c *grpcClient) Usage(ctx context.Context) (loadgen.Usage, error) {
	var u loadgen.Usage
	var b wrapperspb.BytesValue
	if err := c.cc.Invoke(ctx, grpcUsage, &emptypb.Empty{}, &b); err != nil {
		return u, err
	}
	err := json.Unmarshal(b.Value, &u)
	return u, err
}

func (c *grpcClient) Close() error { return c.cc.Close() }
