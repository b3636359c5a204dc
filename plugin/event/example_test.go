package event_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/dmicro-go/dmicro/plugin/event"
	"github.com/dmicro-go/dmicro/rpc"
)

// Example shows a bus on its own: exact and wildcard patterns, priorities,
// a listener error that does not stop the others, and an asynchronous
// listener whose queue Close drains.
func Example() {
	ctx := context.Background()
	bus, err := event.NewBus(event.BusConfig{})
	if err != nil {
		log.Fatal(err)
	}

	// Synchronous listeners run in Publish, higher priority first.
	bus.Subscribe("app.*", func(ctx context.Context, ev event.Event) error {
		fmt.Println("app.* got", ev.Topic, ev.Data)
		return nil
	})
	bus.Subscribe("app.start", func(ctx context.Context, ev event.Event) error {
		fmt.Println("app.start got it first")
		return errors.New("config missing")
	}, event.Priority(10))

	// An asynchronous listener of every topic: Publish only queues.
	var seen []string
	bus.Subscribe("**", func(ctx context.Context, ev event.Event) error {
		seen = append(seen, ev.Topic)
		return nil
	}, event.Async())

	err = bus.Publish(ctx, event.Event{Topic: "app.start", Data: "v1.2"})
	fmt.Println("publish:", err)
	bus.Publish(ctx, event.Event{Topic: "db.open"})
	fmt.Println("publish:", bus.Publish(ctx, event.Event{Topic: "app..stop"}))

	// Close hands the async listener what is queued and waits for it.
	if err := bus.Close(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("async listener saw", seen)
	// Output:
	// app.start got it first
	// app.* got app.start v1.2
	// publish: event: listener "app.start" on "app.start": config missing
	// publish: event: bad topic "app..stop": empty segment
	// async listener saw [app.start db.open]
}

// ExampleNewPlugin publishes a server's calls on a bus; a listener sees
// each call's method and result code.
func ExampleNewPlugin() {
	ctx := context.Background()
	bus, err := event.NewBus(event.BusConfig{})
	if err != nil {
		log.Fatal(err)
	}
	defer bus.Close(ctx)
	served := make(chan string, 10)
	bus.Subscribe(event.TopicCallServed, func(ctx context.Context, ev event.Event) error {
		ce := ev.Data.(event.CallEvent)
		result := "ok"
		if ce.Err != nil {
			result = ce.Code.String()
		}
		served <- fmt.Sprintf("served %s: %s", ce.Method, result)
		return nil
	}, event.Async()) // off the rpc goroutines

	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"}, event.NewPlugin(bus))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	err = srv.Router().HandleCall("/sum", rpc.CallFunc(func(ctx *rpc.CallCtx, nums *[]int) (int, error) {
		sum := 0
		for _, n := range *nums {
			sum += n
		}
		return sum, nil
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
	var sum int
	fmt.Println(sess.Call(ctx, "/sum", []int{1, 2, 3}, &sum), sum)
	fmt.Println(<-served)
	fmt.Println(sess.Call(ctx, "/product", []int{1, 2, 3}, &sum))
	fmt.Println(<-served)
	// Output:
	// <nil> 6
	// served /sum: ok
	// rpc: not found: no handler for /product
	// served /product: not found
}
