package rpc_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	nethttp "net/http"
	"strings"
	"sync"
	"testing"

	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire"
	wirehttp "github.com/dmicro-go/dmicro/rpc/wire/http"
	wirejson "github.com/dmicro-go/dmicro/rpc/wire/json"
	"github.com/dmicro-go/dmicro/rpc/wire/jsonrpc"
	"github.com/dmicro-go/dmicro/rpc/wire/pb"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
)

func allFormats() []wire.Format {
	return []wire.Format{raw.Format{}, wirejson.Format{}, pb.Format{}, wirehttp.Format{JSONRPCPath: "/jsonrpc", JSONRPC: jsonrpc.Format{}}, jsonrpc.Format{}}
}

// TestOnePortEveryFormat serves every format on one listener and calls it,
// all at once, from a dmicro client in each binary format, Go's net/http
// client (a plain call, and JSON-RPC 2.0 in a POST body) and a JSON-RPC
// 2.0 client writing requests by hand on a stream.
func TestOnePortEveryFormat(t *testing.T) {
	p := newPair(t, pairOptions{srv: rpc.Config{Formats: allFormats()}, setup: func(srv *rpc.Endpoint) { srv.Router().RouteCall(new(Math)) }})
	clients := map[string]func() (int, error){}
	for _, f := range []wire.Format{raw.Format{}, wirejson.Format{}, pb.Format{}, wirehttp.Format{}} {
		cli, err := rpc.NewEndpoint(rpc.Config{Format: f})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cli.Close() })
		sess, err := cli.Dial(testCtx(t), p.addr)
		if err != nil {
			t.Fatal(err)
		}
		clients["dmicro "+f.Name()] = func() (int, error) {
			var sum int
			err := sess.Call(testCtx(t), "/math/add", []int{1, 2, 3}, &sum)
			return sum, err
		}
	}
	hc := &nethttp.Client{Transport: &nethttp.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	clients["net/http"] = func() (int, error) {
		resp, err := hc.Post("http://"+p.addr+"/math/add", "application/json", strings.NewReader("[1,2,3]"))
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		var sum int
		err = json.NewDecoder(resp.Body).Decode(&sum)
		return sum, err
	}
	clients["jsonrpc over http"] = func() (int, error) {
		resp, err := hc.Post("http://"+p.addr+"/jsonrpc", "application/json", strings.NewReader(`{"jsonrpc":"2.0","method":"/math/add","params":[1,2,3],"id":1}`))
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		var r struct{ Result int }
		err = json.NewDecoder(resp.Body).Decode(&r)
		return r.Result, err
	}
	clients["jsonrpc stream"] = func() (int, error) {
		nc, err := net.Dial("tcp", p.addr)
		if err != nil {
			return 0, err
		}
		defer nc.Close()
		io.WriteString(nc, `{"jsonrpc":"2.0","method":"math/add","params":[1,2,3],"id":"a"}`+"\n")
		var resp struct {
			Result int    `json:"result"`
			ID     string `json:"id"`
		}
		err = json.NewDecoder(bufio.NewReader(nc)).Decode(&resp)
		if resp.ID != "a" {
			t.Errorf("JSON-RPC id %q, want a", resp.ID)
		}
		return resp.Result, err
	}
	var wg sync.WaitGroup
	for name, call := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				sum, err := call()
				if err != nil || sum != 6 {
					t.Errorf("%s: %d, %v", name, sum, err)
					return
				}
			}
		}()
	}
	wg.Wait()

	// A connection that speaks none of them is closed with one log line.
	nc, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Write([]byte("\x16\x03\x01 not a format we serve"))
	if _, err := io.ReadAll(nc); err != nil {
		t.Fatalf("reading the refused connection: %v", err)
	}
	waitFor(t, "the log line", func() bool { return p.srvLog.Count("speaks no served format") == 1 })
}
