package rpc_test

import (
	"bufio"
	"net"
	"testing"

	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
)

// TestHalfCloseGetsReply: a client that sends a call and then closes its
// side for writing still gets the reply, and then the server closes.
func TestHalfCloseGetsReply(t *testing.T) {
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) { srv.Router().RouteCall(new(Math)) }})
	nc, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	f := raw.Format{}.NewFramer(bufio.NewReader(nc), wire.Options{})
	call := &wire.Message{Type: wire.TypeCall, Seq: 9, Method: "/math/add", Codec: 'j', Body: []byte("[20,22]")}
	frame, err := f.AppendMessage(nil, call)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nc.Write(frame); err != nil {
		t.Fatal(err)
	}
	if err := nc.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	var reply wire.Message
	if err := f.ReadMessage(&reply); err != nil {
		t.Fatalf("no reply after the half-close: %v", err)
	}
	if reply.Seq != 9 || reply.Code != 0 || string(reply.Body) != "42" {
		t.Fatalf("reply seq %d code %d body %q", reply.Seq, reply.Code, reply.Body)
	}
	reply.Release()
	var next wire.Message
	if err := f.ReadMessage(&next); err == nil {
		t.Fatal("the server kept the connection open after the last reply")
	}
}
