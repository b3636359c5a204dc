package heartbeat_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/dmicro-go/dmicro/plugin/heartbeat"
	"github.com/dmicro-go/dmicro/rpc"
)

// Example gives the plugin to a server and to a client, which dials it and
// also dials a "peer" that accepts the connection and then says nothing:
// the client's pings to it go unanswered, and after Misses intervals of
// silence its connection is closed. Without a RedialPolicy that session
// then closes for good (with one it would redial); the session to the
// server, kept alive by the pings, is not touched.
func Example() {
	ctx := context.Background()
	hb := heartbeat.New(heartbeat.Config{Interval: 50 * time.Millisecond}) // 15 s by default

	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"}, hb)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	l, err := srv.Listen(ctx)
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)

	cli, err := rpc.NewEndpoint(rpc.Config{}, hb) // one Heartbeat may serve both
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	live, err := cli.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}

	// A peer that accepts and then neither reads nor writes.
	mute, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer mute.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := mute.Accept(); err == nil {
			accepted <- c
		}
	}()
	dead, err := cli.Dial(ctx, mute.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer (<-accepted).Close()

	<-dead.Done()
	fmt.Println(errors.Is(dead.Err(), heartbeat.ErrSilent), rpc.CodeOf(dead.Err()))
	fmt.Println(live.Health())
	// Output:
	// true connection closed
	// true
}
