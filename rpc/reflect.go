package rpc

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
)

var (
	typeCallCtx  = reflect.TypeFor[CallCtx]()
	typePushCtx  = reflect.TypeFor[PushCtx]()
	typeError    = reflect.TypeFor[error]()
	typeStatusPt = reflect.TypeFor[*Status]()
)

// ctxField finds a field embedding ctxType (by value or by pointer) at the
// top level of struct type st. It returns the field index and whether it
// is a pointer, or -1.
func ctxField(st reflect.Type, ctxType reflect.Type) (int, bool) {
	for i := range st.NumField() {
		f := st.Field(i)
		if !f.Anonymous {
			continue
		}
		if f.Type == ctxType {
			return i, false
		}
		if f.Type.Kind() == reflect.Pointer && f.Type.Elem() == ctxType {
			return i, true
		}
	}
	return -1, false
}

// methodSet returns the names of the methods of *t.
func methodSet(t reflect.Type) map[string]bool {
	pt := reflect.PointerTo(t)
	m := make(map[string]bool, pt.NumMethod())
	for i := range pt.NumMethod() {
		m[pt.Method(i).Name] = true
	}
	return m
}

// isErrorResult reports whether t may be a handler's error result.
func isErrorResult(t reflect.Type) bool { return t == typeError || t == typeStatusPt }

// errorOf converts a handler's error result, guarding the typed-nil trap.
func errorOf(v reflect.Value) error {
	if v.IsNil() {
		return nil
	}
	if s, ok := v.Interface().(*Status); ok {
		if s == nil {
			return nil
		}
		return s
	}
	return noTypedNil(v.Interface().(error))
}

// controller makes, per message, the value whose method runs: a copy of the
// registered struct with the context field set, or the registered value
// itself when the methods take the context as an argument.
type controller struct {
	recv     reflect.Value // the registered pointer
	field    int           // index of the embedded context field, or -1
	fieldPtr bool
}

func (c controller) receiver(in *inbound, push bool) reflect.Value {
	if c.field < 0 {
		return c.recv
	}
	v := reflect.New(c.recv.Elem().Type())
	v.Elem().Set(c.recv.Elem())
	f := v.Elem().Field(c.field)
	switch {
	case push && c.fieldPtr:
		f.Set(reflect.ValueOf(&in.pc))
	case push:
		f.Set(reflect.ValueOf(in.pc))
	case c.fieldPtr:
		f.Set(reflect.ValueOf(&in.cc))
	default:
		f.Set(reflect.ValueOf(in.cc))
	}
	return v
}

// structHandlers turns the exported methods of ctrl, a pointer to a struct,
// into handlers. Two shapes are accepted, for calls:
//
//	func (m *T) Name(arg *A) (R, error | *rpc.Status)                // T embeds rpc.CallCtx
//	func (m *T) Name(ctx *rpc.CallCtx, arg *A) (R, error | *rpc.Status)
//
// and for pushes the same with rpc.PushCtx and a single error result.
// Methods of another shape are skipped; none matching is an error.
func structHandlers(ctrl any, push bool) (typeName string, hs []*handler, skipped []string, err error) {
	if ctrl == nil {
		return "", nil, nil, fmt.Errorf("rpc: route: nil controller")
	}
	v := reflect.ValueOf(ctrl)
	t := v.Type()
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct || v.IsNil() {
		return "", nil, nil, fmt.Errorf("rpc: route: %T is not a non-nil pointer to a struct", ctrl)
	}
	ctxType, ctxPtr := typeCallCtx, reflect.TypeFor[*CallCtx]()
	if push {
		ctxType, ctxPtr = typePushCtx, reflect.TypeFor[*PushCtx]()
	}
	st := t.Elem()
	field, fieldPtr := ctxField(st, ctxType)
	var promoted map[string]bool
	if field >= 0 {
		promoted = methodSet(ctxType)
	}
	ctl := controller{recv: v, field: field, fieldPtr: fieldPtr}
	for i := range t.NumMethod() {
		m := t.Method(i)
		if promoted[m.Name] {
			continue
		}
		ft := m.Type // includes the receiver
		var argIdx int
		switch {
		case field >= 0 && ft.NumIn() == 2:
			argIdx = 1
		case ft.NumIn() == 3 && ft.In(1) == ctxPtr:
			argIdx = 2
		default:
			skipped = append(skipped, m.Name)
			continue
		}
		h, ok := methodHandler(ctl, m.Func, ft, argIdx, push)
		if !ok {
			skipped = append(skipped, m.Name)
			continue
		}
		h.path = pathSegment(st.Name()) + "/" + pathSegment(m.Name)
		hs = append(hs, h)
	}
	if len(hs) == 0 {
		kind := "call"
		if push {
			kind = "push"
		}
		return "", nil, skipped, fmt.Errorf("rpc: route: %T has no method of a %s handler's shape", ctrl, kind)
	}
	return st.Name(), hs, skipped, nil
}

// methodHandler checks the argument and results of method type ft and
// builds its handler.
func methodHandler(ctl controller, fn reflect.Value, ft reflect.Type, argIdx int, push bool) (*handler, bool) {
	h, ok := shape(ft, argIdx, push)
	if !ok {
		return nil, false
	}
	withCtx := argIdx == 2
	h.invokeWith(fn, func(in *inbound, arg any) []reflect.Value {
		recv := ctl.receiver(in, push)
		if withCtx {
			return []reflect.Value{recv, ctxValue(in, push), reflect.ValueOf(arg)}
		}
		return []reflect.Value{recv, reflect.ValueOf(arg)}
	})
	return h, true
}

// shape checks that ft's parameter argIdx is a pointer and that its results
// are (R, error) for a call or (error) for a push, with *Status allowed for
// error. It returns a handler with the types filled in.
func shape(ft reflect.Type, argIdx int, push bool) (*handler, bool) {
	at := ft.In(argIdx)
	if at.Kind() != reflect.Pointer {
		return nil, false
	}
	if push && (ft.NumOut() != 1 || !isErrorResult(ft.Out(0))) {
		return nil, false
	}
	if !push && (ft.NumOut() != 2 || !isErrorResult(ft.Out(1))) {
		return nil, false
	}
	elem := at.Elem()
	h := &handler{push: push, argType: elem, newArg: func() any { return reflect.New(elem).Interface() }}
	if !push {
		h.reply = ft.Out(0)
	}
	return h, true
}

// invokeWith makes h call fn with the values args returns.
func (h *handler) invokeWith(fn reflect.Value, args func(in *inbound, arg any) []reflect.Value) {
	if h.push {
		h.pushFn = func(in *inbound, arg any) error { return errorOf(fn.Call(args(in, arg))[0]) }
		return
	}
	h.call = func(in *inbound, arg any) (any, error) {
		out := fn.Call(args(in, arg))
		if err := errorOf(out[1]); err != nil {
			return nil, err
		}
		return out[0].Interface(), nil
	}
}

func ctxValue(in *inbound, push bool) reflect.Value {
	if push {
		return reflect.ValueOf(&in.pc)
	}
	return reflect.ValueOf(&in.cc)
}

// funcHandler builds a handler from a plain function of the forms
//
//	func(ctx *rpc.CallCtx, arg *A) (R, error | *rpc.Status)
//	func(m *T, arg *A) (R, *rpc.Status | error)     // T embeds rpc.CallCtx
//
// (pushes: PushCtx and one error result), routed by the function's name.
func funcHandler(fn any, push bool) (*handler, error) {
	if fn == nil {
		return nil, fmt.Errorf("rpc: route: nil handler function")
	}
	v := reflect.ValueOf(fn)
	ft := v.Type()
	if ft.Kind() != reflect.Func || v.IsNil() || ft.NumIn() != 2 {
		return nil, fmt.Errorf("rpc: route: %T is not a handler function", fn)
	}
	ctxType, ctxPtr := typeCallCtx, reflect.TypeFor[*CallCtx]()
	if push {
		ctxType, ctxPtr = typePushCtx, reflect.TypeFor[*PushCtx]()
	}
	first := ft.In(0)
	var h *handler
	var ok bool
	switch {
	case first == ctxPtr:
		if h, ok = shape(ft, 1, push); ok {
			h.invokeWith(v, func(in *inbound, arg any) []reflect.Value {
				return []reflect.Value{ctxValue(in, push), reflect.ValueOf(arg)}
			})
		}
	case first.Kind() == reflect.Pointer && first.Elem().Kind() == reflect.Struct:
		field, fieldPtr := ctxField(first.Elem(), ctxType)
		if field < 0 {
			return nil, fmt.Errorf("rpc: route: %T: %v does not embed %v", fn, first, ctxType)
		}
		ctl := controller{recv: reflect.New(first.Elem()), field: field, fieldPtr: fieldPtr}
		h, ok = methodHandler(ctl, v, ft, 1, push)
	}
	if !ok {
		return nil, fmt.Errorf("rpc: route: %T is not a handler function", fn)
	}
	name := runtime.FuncForPC(v.Pointer()).Name()
	name = strings.TrimSuffix(name[strings.LastIndexByte(name, '.')+1:], "-fm")
	h.path = pathSegment(name)
	return h, nil
}
