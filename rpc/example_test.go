package rpc_test

import (
	"context"
	"fmt"
	"log"

	"github.com/dmicro-go/dmicro/rpc"
)

// Arith is a service in DMicro's style: it embeds rpc.CallCtx and returns
// a *rpc.Status.
type Arith struct {
	rpc.CallCtx
}

// Add sums its arguments; "/arith/add".
func (a *Arith) Add(arg *[]int) (int, *rpc.Status) {
	sum := 0
	for _, n := range *arg {
		sum += n
	}
	a.SetReplyMeta("by", a.PeekMeta("author"))
	return sum, nil
}

func Example() {
	ctx := context.Background()

	// The server.
	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	if _, err := srv.Router().RouteCall(new(Arith)); err != nil {
		log.Fatal(err)
	}
	l, err := srv.Listen(ctx)
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)

	// The client.
	cli, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	sess, err := cli.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	var sum int
	var replyMeta rpc.Metadata
	err = sess.Call(ctx, "/arith/add", []int{1, 2, 3, 4, 5}, &sum,
		rpc.WithMeta("author", "liu"), rpc.WithReplyMeta(&replyMeta))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sum, replyMeta.Get("by"))

	err = sess.Call(ctx, "/arith/mul", []int{2, 3}, &sum)
	fmt.Println(rpc.CodeOf(err))
	// Output:
	// 15 liu
	// not found
}
