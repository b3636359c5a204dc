package rpc

import (
	"reflect"
	"sync/atomic"
)

// handler is one registered route.
type handler struct {
	path    string
	push    bool
	unknown bool
	plugins *pluginSet
	argType reflect.Type // the element type the argument points to; nil for fallbacks
	reply   reflect.Type // nil for pushes and fallbacks
	newArg  func() any   // nil: the body is not decoded
	call    func(in *inbound, arg any) (any, error)
	pushFn  func(in *inbound, arg any) error

	// intercepted runs the handler through the interceptors of its
	// plugins; nil when there are none.
	intercepted HandlerFunc

	// slow counts down the calls to run on workers before the reader
	// tries running this handler itself again (inline.go).
	slow       atomic.Int32
	slowStreak atomic.Int32 // inline runs in a row longer than inlineQuick
}

// CallHandler is a call handler made by [CallFunc], ready to register with
// [Router.HandleCall].
type CallHandler struct {
	newArg     func() any
	call       func(in *inbound, arg any) (any, error)
	arg, reply reflect.Type
}

// PushHandler is a push handler made by [PushFunc], ready to register with
// [Router.HandlePush].
type PushHandler struct {
	newArg func() any
	push   func(in *inbound, arg any) error
	arg    reflect.Type
}

// CallFunc makes a call handler from a typed function. It is the fastest
// form: no reflection runs per call.
func CallFunc[T, R any](fn func(ctx *CallCtx, arg *T) (R, error)) CallHandler {
	return CallHandler{
		newArg: func() any { return new(T) },
		call: func(in *inbound, arg any) (any, error) {
			r, err := fn(&in.cc, arg.(*T))
			return r, noTypedNil(err)
		},
		arg:   reflect.TypeFor[T](),
		reply: reflect.TypeFor[R](),
	}
}

// PushFunc makes a push handler from a typed function.
func PushFunc[T any](fn func(ctx *PushCtx, arg *T) error) PushHandler {
	return PushHandler{
		newArg: func() any { return new(T) },
		push:   func(in *inbound, arg any) error { return noTypedNil(fn(&in.pc, arg.(*T))) },
		arg:    reflect.TypeFor[T](),
	}
}

// noTypedNil turns a nil *Status held in an error into a nil error, so that
// a handler returning a nil *Status as error succeeds.
func noTypedNil(err error) error {
	if s, ok := err.(*Status); ok && s == nil {
		return nil
	}
	return err
}

// RouteInfo describes a registered route to AfterRoute hooks and [Router.Routes].
type RouteInfo struct {
	// Path is the routed path; for a fallback, the prefix it serves.
	Path string
	// Push is true for push routes.
	Push bool
	// Fallback is true for the handlers of unknown calls and pushes.
	Fallback bool
	// Arg is the type the argument points to, and Reply the reply's type;
	// nil where there is none.
	Arg, Reply reflect.Type
}

func (h *handler) info() RouteInfo {
	return RouteInfo{Path: h.path, Push: h.push, Fallback: h.unknown, Arg: h.argType, Reply: h.reply}
}
