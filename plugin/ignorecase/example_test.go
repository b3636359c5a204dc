package ignorecase_test

import (
	"context"
	"fmt"
	"log"

	"github.com/dmicro-go/dmicro/plugin/ignorecase"
	"github.com/dmicro-go/dmicro/rpc"
)

type Math struct{}

// Add is routed at "/math/add".
func (Math) Add(_ *rpc.CallCtx, nums *[]int) (int, error) {
	sum := 0
	for _, n := range *nums {
		sum += n
	}
	return sum, nil
}

// Example reaches "/math/add" in other cases.
func Example() {
	ctx := context.Background()
	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"}, ignorecase.New())
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	if _, err := srv.Router().RouteCall(new(Math)); err != nil {
		log.Fatal(err)
	}
	l, err := srv.Listen(ctx)
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)

	cli, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	sess, err := cli.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	for _, method := range []string{"/math/add", "/Math/ADD", "/MyMath/Add"} {
		var sum int
		err := sess.Call(ctx, method, []int{1, 2, 3}, &sum)
		fmt.Println(method, sum, err)
	}
	// Output:
	// /math/add 6 <nil>
	// /Math/ADD 6 <nil>
	// /MyMath/Add 0 rpc: not found: no handler for /MyMath/Add
}
