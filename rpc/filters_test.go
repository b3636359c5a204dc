package rpc_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"net"
	"runtime"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/filter"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
)

func filterConfig(t testing.TB, dflt ...string) rpc.Config {
	aes, err := filter.NewAESGCM(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return rpc.Config{
		Filters:        []wire.Filter{filter.Gzip{MinSize: -1}, filter.MD5{}, aes},
		DefaultFilters: dflt,
	}
}

func TestFiltersRoundTrip(t *testing.T) {
	echo := func(srv *rpc.Endpoint) {
		srv.Router().HandleCall("/echo", rpc.CallFunc(func(c *rpc.CallCtx, s *string) (string, error) { return *s, nil }))
	}
	big := strings.Repeat("dmicro filters ", 400)
	tests := []struct {
		name string
		cli  rpc.Config
		opts []rpc.CallOption
	}{
		{"stacked per call", filterConfig(t), []rpc.CallOption{rpc.WithFilters("gzip", "md5", "aes-gcm")}},
		{"defaults", filterConfig(t, "gzip", "aes-gcm"), nil},
		{"none chosen over defaults", filterConfig(t, "gzip"), []rpc.CallOption{rpc.WithFilters()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPair(t, pairOptions{srv: filterConfig(t), cli: tc.cli, setup: echo})
			var got string
			if err := p.sess.Call(testCtx(t), "/echo", big, &got, tc.opts...); err != nil {
				t.Fatal(err)
			}
			if got != big {
				t.Fatalf("echo came back %d bytes, want %d", len(got), len(big))
			}
		})
	}
	t.Run("unknown filter name", func(t *testing.T) {
		p := newPair(t, pairOptions{srv: filterConfig(t), cli: filterConfig(t), setup: echo})
		err := p.sess.Call(testCtx(t), "/echo", "x", nil, rpc.WithFilters("brotli"))
		if rpc.CodeOf(err) != rpc.CodeInvalidArgument {
			t.Fatalf("unknown filter: %v", err)
		}
	})
	t.Run("server lacks the filter", func(t *testing.T) {
		p := newPair(t, pairOptions{cli: filterConfig(t), setup: echo})
		err := p.sess.Call(testCtx(t), "/echo", "x", nil, rpc.WithFilters("md5"))
		if rpc.CodeOf(err) != rpc.CodeBadMessage || !strings.Contains(err.Error(), "filter") {
			t.Fatalf("filter the server does not know: %v", err)
		}
	})
}

// TestReplyMirrorsFilters: a reply goes back through the filters of its call.
func TestReplyMirrorsFilters(t *testing.T) {
	p := newPair(t, pairOptions{srv: filterConfig(t), setup: func(srv *rpc.Endpoint) { srv.Router().RouteCall(new(Math)) }})
	body, _, _ := filter.MD5{}.Encode(nil, []byte("[40,2]"))
	reply := rawCall(t, p.addr, &wire.Message{Type: wire.TypeCall, Seq: 3, Method: "/math/add", Codec: 'j', Filters: []byte{'5'}, Body: body})
	if reply.Code != 0 || string(reply.Filters) != "5" {
		t.Fatalf("reply code %d %q filters %q, want the call's md5", reply.Code, reply.Error, reply.Filters)
	}
	plain, err := filter.MD5{}.Decode(nil, reply.Body, 0)
	if err != nil || string(plain) != "42" {
		t.Fatalf("reply body %q, %v", plain, err)
	}
}

// TestFilterTampering: a frame whose sealed or digested body was changed in
// flight is refused with CodeBadMessage, and the connection goes on.
func TestFilterTampering(t *testing.T) {
	for _, name := range []string{"md5", "aes-gcm"} {
		t.Run(name, func(t *testing.T) {
			p := newPair(t, pairOptions{srv: filterConfig(t), setup: func(srv *rpc.Endpoint) { srv.Router().RouteCall(new(Math)) }})
			cfg := filterConfig(t)
			var f wire.Filter
			for _, x := range cfg.Filters {
				if x.Name() == name {
					f = x
				}
			}
			body, _, err := f.Encode(nil, []byte("[1,2]"))
			if err != nil {
				t.Fatal(err)
			}
			body[len(body)/2] ^= 0x40
			reply := rawCall(t, p.addr, &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/math/add", Codec: 'j', Filters: []byte{f.ID()}, Body: body})
			if reply.Code != int32(rpc.CodeBadMessage) {
				t.Fatalf("tampered body answered code %d %q", reply.Code, reply.Error)
			}
		})
	}
}

// TestZipBomb sends, through gzip, a body that inflates to 1 GiB: the
// caller gets "message too large", and the server's memory does not grow
// anywhere near that.
func TestZipBomb(t *testing.T) {
	p := newPair(t, pairOptions{srv: filterConfig(t), setup: func(srv *rpc.Endpoint) { srv.Router().RouteCall(new(Math)) }})
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestSpeed)
	zeros := make([]byte, 1<<20)
	total := 1 << 30
	if raceEnabled {
		total = 256 << 20 // the race detector makes compressing 1 GiB slow
	}
	for written := 0; written < total; written += len(zeros) {
		zw.Write(zeros)
	}
	zw.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	reply := rawCall(t, p.addr, &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/math/add", Codec: 'j', Filters: []byte{'z'}, Body: bomb.Bytes()})
	runtime.ReadMemStats(&after)
	if reply.Code != int32(rpc.CodeTooLarge) {
		t.Fatalf("zip bomb answered code %d %q, want message too large", reply.Code, reply.Error)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Fatalf("refusing the bomb allocated %d MiB", grew>>20)
	}
	var sum int
	if err := p.sess.Call(testCtx(t), "/math/add", []int{1, 1}, &sum); err != nil || sum != 2 {
		t.Fatalf("the server stopped serving: %d, %v", sum, err)
	}
}

// rawCall sends one frame on a new connection and reads the reply.
func rawCall(t *testing.T, addr string, m *wire.Message) *wire.Message {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	f := raw.Format{}.NewFramer(bufio.NewReader(nc), wire.Options{MaxMessageSize: 64 << 20})
	frame, err := f.AppendMessage(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nc.Write(frame); err != nil {
		t.Fatal(err)
	}
	reply := new(wire.Message)
	if err := f.ReadMessage(reply); err != nil {
		t.Fatalf("no reply: %v", err)
	}
	t.Cleanup(reply.Release)
	return reply
}
