package rpctest

import (
	"errors"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

// Math is the seed's service: it embeds rpc.CallCtx and returns *rpc.Status.
type Math struct {
	rpc.CallCtx
}

// Add sums its argument and echoes the "author" metadata in the reply.
func (m *Math) Add(arg *[]int) (int, *rpc.Status) {
	r := 0
	for _, a := range *arg {
		r += a
	}
	m.SetReplyMeta("author", m.PeekMeta("author"))
	return r, nil
}

// Echo is a service in the context-first form.
type Echo struct{}

// Say returns its argument.
func (e *Echo) Say(ctx *rpc.CallCtx, arg *string) (string, error) { return *arg, nil }

// Deadline reports whether the handler's context has a deadline and how far
// off it is, in nanoseconds (0 when there is none).
func (e *Echo) Deadline(ctx *rpc.CallCtx, _ *struct{}) (int64, error) {
	dl, ok := ctx.Context().Deadline()
	if !ok {
		return 0, nil
	}
	return int64(time.Until(dl)), nil
}

// Wait blocks until the call's context ends and returns its error, as a
// well-behaved handler does.
func (e *Echo) Wait(ctx *rpc.CallCtx, _ *struct{}) (int, error) {
	<-ctx.Context().Done()
	return 0, ctx.Context().Err()
}

// Fail returns a status with the code it is given.
func (e *Echo) Fail(ctx *rpc.CallCtx, code *int) (int, error) {
	return 0, rpc.NewStatus(rpc.Code(*code), "asked to fail")
}

// Panic panics.
func (e *Echo) Panic(ctx *rpc.CallCtx, _ *struct{}) (int, error) { panic(errors.New("boom")) }

func registerServices(ep *rpc.Endpoint) {
	mustRoute(ep.Router().RouteCall(new(Math)))
	mustRoute(ep.Router().RouteCall(&Echo{}))
}

// The client side has its own services, for calls from the server.
type Client struct{}

// Hello answers calls the server makes to the client.
func (Client) Hello(ctx *rpc.CallCtx, name *string) (string, error) { return "hello " + *name, nil }

func registerClientServices(ep *rpc.Endpoint) {
	mustRoute(ep.Router().RouteCall(&Client{}))
}

func mustRoute(_ []string, err error) {
	if err != nil {
		panic(err)
	}
}
