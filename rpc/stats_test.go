package rpc_test

import (
	"context"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

// TestStats checks Endpoint.Stats: bytes grow by whole frames on both
// sides and agree between them, and the gauges see a call waiting on the
// client and its handler running on the server, then neither.
func TestStats(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		srv.Router().HandleCall("/echo", rpc.CallFunc(func(ctx *rpc.CallCtx, arg *string) (*string, error) {
			return arg, nil
		}))
		srv.Router().HandleCall("/block", rpc.CallFunc(func(ctx *rpc.CallCtx, arg *string) (*string, error) {
			entered <- struct{}{}
			<-release
			return arg, nil
		}))
	}})
	ctx := testCtx(t)
	before := p.cli.Stats()
	var out string
	arg := "a body of some length, to be counted"
	if err := p.sess.Call(ctx, "/echo", &arg, &out); err != nil {
		t.Fatal(err)
	}
	cli := p.cli.Stats()
	if sent := cli.BytesWritten - before.BytesWritten; sent <= uint64(len(arg)) {
		t.Errorf("client wrote %d bytes for a call carrying %d", sent, len(arg))
	}
	if got := cli.BytesRead - before.BytesRead; got <= uint64(len(arg)) {
		t.Errorf("client read %d bytes for a reply carrying %d", got, len(arg))
	}
	waitFor(t, "the server's counts to match the client's", func() bool {
		srv := p.srv.Stats()
		cli := p.cli.Stats()
		return srv.BytesRead == cli.BytesWritten && srv.BytesWritten == cli.BytesRead
	})
	if cli.Connections != 1 || cli.CallsWaiting != 0 {
		t.Errorf("client stats after the call: %+v", cli)
	}

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		done <- p.sess.Call(ctx, "/block", &arg, &out)
	}()
	<-entered
	if st := p.cli.Stats(); st.CallsWaiting != 1 {
		t.Errorf("client while a call waits: %+v", st)
	}
	if st := p.srv.Stats(); st.Handling != 1 {
		t.Errorf("server while a handler runs: %+v", st)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the gauges to come back to zero", func() bool {
		c, s := p.cli.Stats(), p.srv.Stats()
		return c.CallsWaiting == 0 && s.Handling == 0
	})
}

// readAtPlugin keeps the ReadAt of the calls it sees.
type readAtPlugin struct{ at chan time.Time }

func (readAtPlugin) Name() string { return "readat" }

func (p readAtPlugin) AfterReadCallBody(m *rpc.Message) error {
	p.at <- m.ReadAt()
	return nil
}

// TestReadAt checks that Message.ReadAt is a time on the monotonic clock
// between the call's sending and its reply.
func TestReadAt(t *testing.T) {
	plug := readAtPlugin{at: make(chan time.Time, 1)}
	p := newPair(t, pairOptions{srvPlug: []rpc.Plugin{plug}, setup: func(srv *rpc.Endpoint) {
		srv.Router().HandleCall("/at", rpc.CallFunc(func(ctx *rpc.CallCtx, arg *int) (*int, error) {
			return arg, nil
		}))
	}})
	start := time.Now()
	var in, out int
	if err := p.sess.Call(testCtx(t), "/at", &in, &out); err != nil {
		t.Fatal(err)
	}
	end := time.Now()
	at := <-plug.at
	if at.Before(start) || at.After(end) {
		t.Errorf("ReadAt %v outside the call's %v .. %v", at, start, end)
	}
	if d := time.Since(at); d < time.Since(end) {
		t.Errorf("time.Since(ReadAt) %v is less than the time since the reply", d)
	}
}
