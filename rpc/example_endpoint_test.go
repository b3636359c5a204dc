package rpc_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

// ExampleEndpoint_Shutdown stops a server gracefully: the call in flight
// finishes and is answered, then Shutdown returns; a call made after it
// fails.
func ExampleEndpoint_Shutdown() {
	ctx := context.Background()

	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close() // safe after Shutdown
	started := make(chan struct{})
	err = srv.Router().HandleCall("/slow/double", rpc.CallFunc(func(ctx *rpc.CallCtx, n *int) (int, error) {
		close(started)
		time.Sleep(100 * time.Millisecond) // the slow work
		fmt.Println("handler: done")
		return 2 * *n, nil
	}))
	if err != nil {
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

	var doubled int
	call := sess.AsyncCall(ctx, "/slow/double", 21, &doubled)
	<-started // the call is in flight

	// Shutdown waits for the handler and its reply, up to its context.
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	fmt.Println("Shutdown:", srv.Shutdown(sctx))
	fmt.Println("the call:", doubled, call.Err())

	// The server is gone: the session cannot go on.
	err = sess.Call(ctx, "/slow/double", 1, &doubled)
	fmt.Println("a call after:", rpc.CodeOf(err))
	// Output:
	// handler: done
	// Shutdown: <nil>
	// the call: 42 <nil>
	// a call after: connection closed
}

// ExampleRedialPolicy keeps a client's session across the loss of its
// connection: the same *Session works again once redialed.
func ExampleRedialPolicy() {
	ctx := context.Background()

	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	err = srv.Router().HandleCall("/ping", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) {
		return "pong", nil
	}))
	if err != nil {
		log.Fatal(err)
	}
	l, err := srv.Listen(ctx)
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)

	// The callbacks run in the endpoint's goroutines; these two close
	// channels that the example waits on.
	disconnected, reconnected := make(chan struct{}), make(chan struct{})
	cli, err := rpc.NewEndpoint(rpc.Config{Redial: rpc.RedialPolicy{
		Attempts: -1, // until the session is closed
		MinDelay: 10 * time.Millisecond,
		MaxDelay: time.Second,
		// A redialed connection counts as reconnected once the peer sent
		// a frame or it stayed open this long.
		StableAfter: 50 * time.Millisecond,
		OnDisconnect: func(s *rpc.Session, err error) {
			fmt.Println("disconnected:", rpc.CodeOf(err))
			close(disconnected)
		},
		OnReconnect: func(s *rpc.Session) {
			fmt.Println("reconnected")
			close(reconnected)
		},
	}})
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close() // runs before srv.Close, whose end of the session would be a second disconnect
	sess, err := cli.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	var reply string
	if err := sess.Call(ctx, "/ping", struct{}{}, &reply); err != nil {
		log.Fatal(err)
	}

	// The server drops the session (it has only this one).
	srv.RangeSessions(func(s *rpc.Session) bool {
		s.Close()
		return false
	})
	<-disconnected

	// While the session is down calls fail at once with CodeUnavailable;
	// WithWaitForReady makes this one wait for the new connection.
	reply = ""
	err = sess.Call(ctx, "/ping", struct{}{}, &reply, rpc.WithWaitForReady())
	<-reconnected
	fmt.Println(reply, err)
	// Output:
	// disconnected: connection closed
	// reconnected
	// pong <nil>
}

// ExampleRouter_HandleCall registers a typed function at a path of your
// choosing. CallFunc makes the handler without reflection: the argument
// is decoded into a new *T and the result R is encoded as the reply.
func ExampleRouter_HandleCall() {
	ctx := context.Background()

	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	type Span struct{ Lo, Hi int }
	err = srv.Router().HandleCall("/math/span", rpc.CallFunc(func(ctx *rpc.CallCtx, nums *[]int) (Span, error) {
		if len(*nums) == 0 {
			return Span{}, rpc.NewStatus(rpc.CodeInvalidArgument, "no numbers")
		}
		s := Span{(*nums)[0], (*nums)[0]}
		for _, n := range *nums {
			s.Lo, s.Hi = min(s.Lo, n), max(s.Hi, n)
		}
		return s, nil
	}))
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range srv.Router().Routes() {
		fmt.Println(r.Path, r.Arg, r.Reply)
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

	var span Span
	err = sess.Call(ctx, "/math/span", []int{3, -1, 4, 1, 5}, &span)
	fmt.Printf("%+v %v\n", span, err)
	err = sess.Call(ctx, "/math/span", []int{}, &span)
	fmt.Println(err)
	// Output:
	// /math/span []int rpc_test.Span
	// {Lo:-1 Hi:5} <nil>
	// rpc: invalid argument: no numbers
}

// ExamplePushFunc registers a typed push handler with HandlePush. A push is
// one-way: Push returns once the message is queued, and the handler's
// error, if any, is only logged.
func ExamplePushFunc() {
	ctx := context.Background()

	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	type Event struct {
		Kind string
		N    int
	}
	got := make(chan string, 1)
	err = srv.Router().HandlePush("/events", rpc.PushFunc(func(ctx *rpc.PushCtx, ev *Event) error {
		got <- fmt.Sprintf("%s %d from %s", ev.Kind, ev.N, ctx.PeekMeta("source"))
		return nil
	}))
	if err != nil {
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

	err = sess.Push(ctx, "/events", Event{Kind: "click", N: 3}, rpc.WithMeta("source", "button"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-got)
	// Output:
	// click 3 from button
}

// ExampleSession_Push pushes both ways on one session: the client pushes to
// the server, whose handler pushes back on the session the push arrived on,
// to a handler registered on the client's router.
func ExampleSession_Push() {
	ctx := context.Background()

	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	subscribed := make(chan string, 1)
	err = srv.Router().HandlePush("/subscribe", rpc.PushFunc(func(ctx *rpc.PushCtx, name *string) error {
		subscribed <- *name
		return ctx.Session().Push(ctx.Context(), "/news", "welcome, "+*name)
	}))
	if err != nil {
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
	news := make(chan string, 1)
	err = cli.Router().HandlePush("/news", rpc.PushFunc(func(ctx *rpc.PushCtx, text *string) error {
		news <- *text
		return nil
	}))
	if err != nil {
		log.Fatal(err)
	}
	sess, err := cli.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}

	if err := sess.Push(ctx, "/subscribe", "ann"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("server got a subscription from", <-subscribed)
	fmt.Println("client got:", <-news)
	// Output:
	// server got a subscription from ann
	// client got: welcome, ann
}

// ExampleSession_AsyncCall starts several calls at once and collects their
// results.
func ExampleSession_AsyncCall() {
	ctx := context.Background()

	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	err = srv.Router().HandleCall("/square", rpc.CallFunc(func(_ *rpc.CallCtx, n *int) (int, error) {
		return *n * *n, nil
	}))
	if err != nil {
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

	var calls []*rpc.Call
	for n := 1; n <= 3; n++ {
		calls = append(calls, sess.AsyncCall(ctx, "/square", n, new(int)))
	}
	calls = append(calls, sess.AsyncCall(ctx, "/cube", 2, new(int)))

	// Each call's Done channel closes when it finishes, in any order; Err
	// waits for it too.
	for _, c := range calls {
		select {
		case <-c.Done():
		case <-time.After(10 * time.Second):
			log.Fatal("no answer")
		}
		if err := c.Err(); err != nil {
			fmt.Printf("%s(%v): %v\n", c.Method, c.Arg, err)
			continue
		}
		fmt.Printf("%s(%v) = %d\n", c.Method, c.Arg, *c.Reply.(*int))
	}
	// Output:
	// /square(1) = 1
	// /square(2) = 4
	// /square(3) = 9
	// /cube(2): rpc: not found: no handler for /cube
}

// ExampleCodeOf reads the code of the errors a caller gets. Every error
// from a call is a *rpc.Status; CodeOf also classifies any other error.
func ExampleCodeOf() {
	ctx := context.Background()

	// An application's own codes start at rpc.CodeUser.
	const CodeOutOfStock = rpc.CodeUser + 1

	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	r := srv.Router()
	err = errors.Join(
		r.HandleCall("/shop/buy", rpc.CallFunc(func(_ *rpc.CallCtx, item *string) (int, error) {
			return 0, rpc.NewStatus(CodeOutOfStock, "no "+*item+" left")
		})),
		r.HandleCall("/shop/wait", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (int, error) {
			<-ctx.Context().Done() // ends at the caller's deadline
			return 0, ctx.Context().Err()
		})),
		r.HandleCall("/shop/save", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (int, error) {
			return 0, errors.New("disk full") // not a *Status
		})),
	)
	if err != nil {
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

	err = sess.Call(ctx, "/shop/sell", struct{}{}, nil)
	fmt.Println(rpc.CodeOf(err) == rpc.CodeNotFound, err)

	err = sess.Call(ctx, "/shop/buy", "tea", nil)
	fmt.Println(rpc.CodeOf(err) == CodeOutOfStock, err)

	tctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	err = sess.Call(tctx, "/shop/wait", struct{}{}, nil)
	fmt.Println(rpc.CodeOf(err), errors.Is(err, context.DeadlineExceeded))

	err = sess.Call(ctx, "/shop/save", struct{}{}, nil)
	fmt.Println(rpc.CodeOf(err), err)

	// Errors that are not a *Status.
	fmt.Println(rpc.CodeOf(context.Canceled), rpc.CodeOf(errors.New("oops")), rpc.CodeOf(nil) == 0)
	// Output:
	// true rpc: not found: no handler for /shop/sell
	// true rpc: code(1001): no tea left
	// deadline exceeded true
	// unknown rpc: unknown: disk full
	// canceled unknown true
}

// ExampleCallCtx_Context shows how a handler's context ends: its Err is
// exactly context.Canceled (or context.DeadlineExceeded when the caller's
// deadline passed), and context.Cause tells why.
func ExampleCallCtx_Context() {
	ctx := context.Background()

	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	started, ended := make(chan struct{}), make(chan struct{})
	err = srv.Router().HandleCall("/wait", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (int, error) {
		hctx := ctx.Context()
		close(started)
		<-hctx.Done()
		fmt.Println("handler: Err", hctx.Err() == context.Canceled)
		fmt.Println("handler: Cause", context.Cause(hctx) == rpc.ErrCallerCanceled)
		close(ended)
		return 0, hctx.Err()
	}))
	if err != nil {
		log.Fatal(err)
	}
	kept := make(chan context.Context, 1)
	err = srv.Router().HandleCall("/keep", rpc.CallFunc(func(ctx *rpc.CallCtx, _ *struct{}) (int, error) {
		kept <- ctx.Context()
		return 1, nil
	}))
	if err != nil {
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

	// The caller cancels: the cancel travels to the handler.
	cctx, cancel := context.WithCancel(ctx)
	call := sess.AsyncCall(cctx, "/wait", struct{}{}, nil)
	<-started
	cancel()
	<-ended
	fmt.Println("caller:", rpc.CodeOf(call.Err()))

	// A context kept past its handler has ended when the handler returned.
	if err := sess.Call(ctx, "/keep", struct{}{}, nil); err != nil {
		log.Fatal(err)
	}
	hctx := <-kept
	<-hctx.Done()
	fmt.Println("kept:", hctx.Err(), "/", context.Cause(hctx))
	// Output:
	// handler: Err true
	// handler: Cause true
	// caller: canceled
	// kept: context canceled / rpc: the handler returned
}
