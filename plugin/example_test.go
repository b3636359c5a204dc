package plugin_test

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/dmicro-go/dmicro/plugin/auth"
	"github.com/dmicro-go/dmicro/plugin/heartbeat"
	"github.com/dmicro-go/dmicro/plugin/ignorecase"
	"github.com/dmicro-go/dmicro/plugin/metrics"
	"github.com/dmicro-go/dmicro/rpc"
)

// Plugins compose: a server that checks tokens, keeps metrics, pings quiet
// peers and ignores the case of method names, and a client that presents
// its token.
func Example() {
	m, _ := metrics.New(metrics.Config{})
	check, _ := auth.NewServer(auth.ServerConfig{
		Verify: func(_ context.Context, cred string, _ *rpc.Session) (any, error) {
			if cred != "Bearer s3cret" {
				return nil, errors.New("unknown token")
			}
			return "alice", nil
		},
	})
	srv, _ := rpc.NewEndpoint(rpc.Config{}, m, check, heartbeat.New(heartbeat.Config{}), ignorecase.New())
	defer srv.Close()
	srv.Router().HandleCall("/hello/who", rpc.CallFunc(func(c *rpc.CallCtx, _ *struct{}) (string, error) {
		who, _ := auth.IdentityFrom(c.Context())
		return fmt.Sprint("hello, ", who), nil
	}))
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(l)

	present, _ := auth.NewClient(auth.ClientConfig{Token: "s3cret"})
	cli, _ := rpc.NewEndpoint(rpc.Config{}, present)
	defer cli.Close()
	ctx := context.Background()
	sess, err := cli.Dial(ctx, l.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	var greeting string
	err = sess.Call(ctx, "/Hello/WHO", struct{}{}, &greeting)
	fmt.Println(greeting, err)
	// Output: hello, alice <nil>
}
