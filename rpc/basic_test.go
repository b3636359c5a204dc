package rpc_test

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc"
)

type Math struct {
	rpc.CallCtx
}

func (m *Math) Add(arg *[]int) (int, *rpc.Status) {
	var r int
	for _, a := range *arg {
		r += a
	}
	m.SetReplyMeta("author-seen", m.PeekMeta("author"))
	return r, nil
}

func TestPairSmoke(t *testing.T) {
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		if _, err := srv.Router().RouteCall(new(Math)); err != nil {
			t.Fatal(err)
		}
	}})
	ctx := testCtx(t)
	var result int
	var md rpc.Metadata
	err := p.sess.Call(ctx, "/math/add", []int{1, 2, 3, 4, 5}, &result, rpc.WithMeta("author", "liu"), rpc.WithReplyMeta(&md))
	if err != nil {
		t.Fatal(err)
	}
	if result != 15 || md.Get("author-seen") != "liu" {
		t.Fatalf("result %d meta %v", result, md.Map())
	}
	if err := p.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}
