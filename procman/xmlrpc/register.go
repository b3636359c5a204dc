package xmlrpc

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Register registers the Go function fn as the method name, replacing any
// method of that name. fn must have the form
//
//	func(ctx context.Context, a A, b B, ...) (R, error)
//
// with any number of params after ctx, the last of which may be variadic
// to take optional trailing params. A call's params are stored in fn's
// params as [Decode] does; a call with too few or too many params, or with
// a param that does not fit, is answered with a fault of code
// [FaultIncorrectParameters], as supervisord answers a call whose params
// its Python method does not accept. R is marshalled as [MarshalResponse]
// does. Register returns an error, and registers nothing, when name is
// empty or fn does not have that form.
//
// For example, supervisord's startProcess(name, wait=True) is
//
//	srv.Register("supervisor.startProcess",
//		func(ctx context.Context, name string, wait ...bool) (bool, error) { ... })
func (s *Server) Register(name string, fn any) error {
	if name == "" {
		return errors.New("xmlrpc: Register with an empty method name")
	}
	h, err := reflectHandler(fn)
	if err != nil {
		return fmt.Errorf("xmlrpc: Register %s: %w", name, err)
	}
	s.Handle(name, h)
	return nil
}

func reflectHandler(fn any) (HandlerFunc, error) {
	fv := reflect.ValueOf(fn)
	if fv.Kind() != reflect.Func || fv.IsNil() {
		return nil, fmt.Errorf("%T is not a function", fn)
	}
	ft := fv.Type()
	if ft.NumIn() < 1 || ft.In(0) != contextType {
		return nil, fmt.Errorf("%s does not take a context.Context first", ft)
	}
	if ft.NumOut() != 2 || ft.Out(1) != errorType {
		return nil, fmt.Errorf("%s does not return a result and an error", ft)
	}
	variadic := ft.IsVariadic()
	fixed := ft.NumIn() - 1
	if variadic {
		fixed--
	}
	return func(ctx context.Context, params []any) (any, error) {
		if len(params) < fixed || !variadic && len(params) > fixed {
			return nil, NewFault(FaultIncorrectParameters)
		}
		var d decoder
		args := make([]reflect.Value, ft.NumIn())
		args[0] = reflect.ValueOf(&ctx).Elem()
		for i := range fixed {
			a := reflect.New(ft.In(i + 1)).Elem()
			if err := d.value(params[i], a, 0); err != nil {
				return nil, paramFault(i, err)
			}
			args[i+1] = a
		}
		var out []reflect.Value
		if variadic {
			rest := reflect.MakeSlice(ft.In(fixed+1), len(params)-fixed, len(params)-fixed)
			for i := range rest.Len() {
				if err := d.value(params[fixed+i], rest.Index(i), 0); err != nil {
					return nil, paramFault(fixed+i, err)
				}
			}
			args[fixed+1] = rest
			out = fv.CallSlice(args)
		} else {
			out = fv.Call(args)
		}
		if err, _ := out[1].Interface().(error); err != nil {
			return nil, err
		}
		return out[0].Interface(), nil
	}, nil
}

// paramFault is the fault for a param, the i-th from 0, that Decode could
// not store: "INCORRECT_PARAMETERS: param 1: cannot decode ...".
func paramFault(i int, err error) *Fault {
	msg := strings.TrimPrefix(err.Error(), "xmlrpc: ")
	return Faultf(FaultIncorrectParameters, "param %s: %s", strconv.Itoa(i+1), msg)
}
