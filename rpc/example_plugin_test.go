package rpc_test

import (
	"context"
	"fmt"
	"log"
	"sync/atomic"

	"github.com/dmicro-go/dmicro/rpc"
)

// guard is a server plugin with two hooks. AfterAccept refuses new
// sessions while the server is in maintenance; AfterReadCallBody looks at
// the decoded argument and refuses a call before its handler runs.
type guard struct {
	maintenance atomic.Bool
}

func (*guard) Name() string { return "guard" }

// AfterAccept runs for each accepted session, before it reads. Its error is
// sent to the peer as a connection error, and the session is closed.
func (g *guard) AfterAccept(s *rpc.Session) error {
	if g.maintenance.Load() {
		return rpc.NewStatus(rpc.CodeUnavailable, "down for maintenance")
	}
	return nil
}

// AfterReadCallBody runs when a call's argument was decoded, before the
// handler. Its error is the caller's reply, and the handler does not run.
func (g *guard) AfterReadCallBody(m *rpc.Message) error {
	if nums, ok := m.Body().(*[]int); ok && len(*nums) > 3 {
		return rpc.NewStatus(rpc.CodeInvalidArgument, "at most 3 numbers")
	}
	return nil
}

// callerName is a client plugin: BeforeWriteCall runs for every call the
// endpoint sends, on any session, and may change the call's metadata.
type callerName string

func (callerName) Name() string { return "caller-name" }

func (c callerName) BeforeWriteCall(m *rpc.Message) error {
	m.Meta().Set("caller", string(c))
	return nil
}

// ExamplePlugin shows a plugin on each side: plugins are given to
// NewEndpoint, and each implements any of the hook interfaces. A "before"
// hook's error stops its step; see each hook's documentation for what that
// means.
func ExamplePlugin() {
	ctx := context.Background()

	g := new(guard)
	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"}, g)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	err = srv.Router().HandleCall("/sum", rpc.CallFunc(func(ctx *rpc.CallCtx, nums *[]int) (string, error) {
		sum := 0
		for _, n := range *nums {
			sum += n
		}
		return fmt.Sprintf("%d, for %s", sum, ctx.PeekMeta("caller")), nil
	}))
	if err != nil {
		log.Fatal(err)
	}
	l, err := srv.Listen(ctx)
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)

	cli, err := rpc.NewEndpoint(rpc.Config{}, callerName("ann"))
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	sess, err := cli.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}

	var got string
	err = sess.Call(ctx, "/sum", []int{1, 2, 3}, &got)
	fmt.Println(got, err)

	// The guard refuses the argument: the handler does not run.
	err = sess.Call(ctx, "/sum", []int{1, 2, 3, 4}, &got)
	fmt.Println(err)

	// The guard refuses new sessions. The dial itself succeeds (the
	// connection was made); the session is then closed by the server, and
	// its Err says why.
	g.maintenance.Store(true)
	refused, err := cli.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	<-refused.Done()
	fmt.Println(refused.Err())

	// The session dialed before is not affected.
	err = sess.Call(ctx, "/sum", []int{4, 5}, &got)
	fmt.Println(got, err)
	// Output:
	// 6, for ann <nil>
	// rpc: invalid argument: at most 3 numbers
	// rpc: unavailable: down for maintenance
	// 9, for ann <nil>
}
