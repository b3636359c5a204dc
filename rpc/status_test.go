package rpc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/dmicro-go/dmicro/codec"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire"
)

func stMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestStatusError(t *testing.T) {
	for _, tc := range []struct {
		name string
		st   *rpc.Status
		want string
	}{
		{"with message", rpc.NewStatus(rpc.CodeNotFound, "no handler for /x"), "rpc: not found: no handler for /x"},
		{"without message", rpc.NewStatus(rpc.CodeOverloaded, ""), "rpc: overloaded"},
		{"user code", rpc.NewStatus(rpc.CodeUser+7, "custom"), "rpc: code(1007): custom"},
		{"nil", nil, "rpc: ok"},
		{"Errorf", rpc.Errorf(rpc.CodeInternal, "load %s: %d", "x", 3), "rpc: internal: load x: 3"},
		{"WrapStatus", rpc.WrapStatus(rpc.CodeInternal, "load", io.EOF), "rpc: internal: load: EOF"},
		{"WrapStatus without message", rpc.WrapStatus(rpc.CodeInternal, "", io.EOF), "rpc: internal: EOF"},
		{"WrapStatus without cause", rpc.WrapStatus(rpc.CodeInternal, "load", nil), "rpc: internal: load"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.st.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
	var nilSt *rpc.Status
	if nilSt.Code() != 0 || nilSt.Message() != "" || nilSt.Unwrap() != nil || nilSt.Is(context.Canceled) {
		t.Error("a nil *Status is not an empty success")
	}
}

func TestCodeString(t *testing.T) {
	for _, tc := range []struct {
		code rpc.Code
		want string
	}{
		{rpc.CodeUnknown, "unknown"},
		{rpc.CodeCanceled, "canceled"},
		{rpc.CodeDeadlineExceeded, "deadline exceeded"},
		{rpc.CodeBadMessage, "bad message"},
		{rpc.CodeNotFound, "not found"},
		{rpc.CodeCodec, "codec error"},
		{rpc.CodeTooLarge, "message too large"},
		{rpc.CodeConnClosed, "connection closed"},
		{rpc.CodeDialFailed, "dial failed"},
		{rpc.CodeWriteFailed, "write failed"},
		{rpc.CodeUnauthorized, "unauthorized"},
		{rpc.CodePanic, "handler panic"},
		{rpc.CodeOverloaded, "overloaded"},
		{rpc.CodeInternal, "internal"},
		{rpc.CodeUnavailable, "unavailable"},
		{rpc.CodeInvalidArgument, "invalid argument"},
		{rpc.CodeUser, "code(1000)"},
		{rpc.CodeUser + 1, "code(1001)"},
		{rpc.CodeInvalidArgument + 1, "code(17)"},
		{0, "code(0)"},
		{-1, "code(-1)"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.code.String(); got != tc.want {
				t.Errorf("Code(%d).String() = %q, want %q", int32(tc.code), got, tc.want)
			}
		})
	}
}

func TestCodeOf(t *testing.T) {
	custom := rpc.NewStatus(rpc.CodeUser+3, "custom")
	for _, tc := range []struct {
		name string
		err  error
		want rpc.Code
	}{
		{"nil", nil, 0},
		{"status", custom, rpc.CodeUser + 3},
		{"wrapped status", fmt.Errorf("x: %w", custom), rpc.CodeUser + 3},
		{"twice wrapped status", fmt.Errorf("y: %w", fmt.Errorf("x: %w", custom)), rpc.CodeUser + 3},
		{"joined status", errors.Join(errors.New("a"), custom), rpc.CodeUser + 3},
		{"canceled", context.Canceled, rpc.CodeCanceled},
		{"wrapped canceled", fmt.Errorf("x: %w", context.Canceled), rpc.CodeCanceled},
		{"deadline", context.DeadlineExceeded, rpc.CodeDeadlineExceeded},
		{"os deadline", os.ErrDeadlineExceeded, rpc.CodeDeadlineExceeded},
		{"decode", fmt.Errorf("x: %w", codec.ErrDecode), rpc.CodeCodec},
		{"unsupported type", fmt.Errorf("x: %w", codec.ErrUnsupportedType), rpc.CodeCodec},
		{"too large", fmt.Errorf("x: %w", wire.ErrTooLarge), rpc.CodeTooLarge},
		{"malformed", fmt.Errorf("x: %w", wire.ErrMalformed), rpc.CodeBadMessage},
		{"other", errors.New("boom"), rpc.CodeUnknown},
		{"io.EOF", io.EOF, rpc.CodeUnknown},
		{"typed nil status", error((*rpc.Status)(nil)), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got rpc.Code
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("CodeOf panicked: %v", p)
					}
				}()
				got = rpc.CodeOf(tc.err)
			}()
			if got != tc.want {
				t.Errorf("CodeOf(%v) = %v, want %v", tc.err, got, tc.want)
			}
			st := rpc.StatusOf(tc.err)
			if st.Code() != tc.want {
				t.Errorf("StatusOf(%v).Code() = %v, want %v", tc.err, st.Code(), tc.want)
			}
			if tc.want == 0 && st != nil {
				t.Errorf("StatusOf(%v) = %v, want nil", tc.err, st)
			}
			// A status made from an error keeps it as its cause.
			if st != nil && !errors.As(tc.err, new(*rpc.Status)) && !errors.Is(st, tc.err) {
				t.Errorf("errors.Is(StatusOf(err), err) = false for %v", tc.err)
			}
		})
	}
}

func TestStatusOf(t *testing.T) {
	st := rpc.NewStatus(rpc.CodeUnauthorized, "who")
	if got := rpc.StatusOf(st); got != st {
		t.Errorf("StatusOf(st) = %p, want st itself %p", got, st)
	}
	if got := rpc.StatusOf(fmt.Errorf("x: %w", st)); got != st {
		t.Errorf("StatusOf(wrapped st) = %v, want st itself", got)
	}
	if got := rpc.StatusOf(error((*rpc.Status)(nil))); got != nil {
		t.Errorf("StatusOf(typed nil) = %v, want nil", got)
	}
	if got := rpc.StatusOf(nil); got != nil {
		t.Errorf("StatusOf(nil) = %v, want nil", got)
	}
	boom := errors.New("boom")
	got := rpc.StatusOf(boom)
	if got.Code() != rpc.CodeUnknown || got.Message() != "boom" || !errors.Is(got, boom) || got.Unwrap() != boom {
		t.Errorf("StatusOf(boom) = %v (cause %v)", got, got.Unwrap())
	}
}

func TestStatusIs(t *testing.T) {
	dl := rpc.NewStatus(rpc.CodeDeadlineExceeded, "late")
	cn := rpc.NewStatus(rpc.CodeCanceled, "")
	for _, tc := range []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"deadline status is context.DeadlineExceeded", dl, context.DeadlineExceeded, true},
		{"deadline status is os.ErrDeadlineExceeded", dl, os.ErrDeadlineExceeded, true},
		{"wrapped deadline status", fmt.Errorf("x: %w", dl), context.DeadlineExceeded, true},
		{"deadline status is not context.Canceled", dl, context.Canceled, false},
		{"canceled status is context.Canceled", cn, context.Canceled, true},
		{"canceled status is not context.DeadlineExceeded", cn, context.DeadlineExceeded, false},
		{"same code", rpc.NewStatus(rpc.CodeUser+1, "a"), rpc.NewStatus(rpc.CodeUser+1, "b"), true},
		{"other code", rpc.NewStatus(rpc.CodeUser+1, "a"), rpc.NewStatus(rpc.CodeUser+2, "a"), false},
		{"wrapped same code", fmt.Errorf("x: %w", rpc.NewStatus(rpc.CodeNotFound, "a")), rpc.NewStatus(rpc.CodeNotFound, ""), true},
		{"nil target status", rpc.NewStatus(rpc.CodeNotFound, "a"), (*rpc.Status)(nil), false},
		{"other code is not a context error", rpc.NewStatus(rpc.CodeInternal, ""), context.DeadlineExceeded, false},
		{"Errorf keeps its cause", rpc.Errorf(rpc.CodeInternal, "load: %w", io.EOF), io.EOF, true},
		{"WrapStatus keeps its cause", rpc.WrapStatus(rpc.CodeInternal, "load", io.ErrUnexpectedEOF), io.ErrUnexpectedEOF, true},
		{"Errorf without %w has no cause", rpc.Errorf(rpc.CodeInternal, "load: %v", io.EOF), io.EOF, false},
		{"Errorf with two %w keeps both (first)", rpc.Errorf(rpc.CodeInternal, "%w and %w", io.EOF, os.ErrNotExist), io.EOF, true},
		{"Errorf with two %w keeps both (second)", rpc.Errorf(rpc.CodeInternal, "%w and %w", io.EOF, os.ErrNotExist), os.ErrNotExist, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := errors.Is(tc.err, tc.target); got != tc.want {
				t.Errorf("errors.Is(%v, %v) = %v, want %v", tc.err, tc.target, got, tc.want)
			}
		})
	}

	t.Run("errors.As", func(t *testing.T) {
		st := rpc.NewStatus(rpc.CodeUser+5, "x")
		var got *rpc.Status
		if !errors.As(fmt.Errorf("a: %w", fmt.Errorf("b: %w", st)), &got) || got != st {
			t.Errorf("errors.As reached %v, want the status", got)
		}
		// and through a status to its cause
		var pe *os.PathError
		_, openErr := os.Open("/nonexistent/dmicro-status-test")
		if !errors.As(rpc.WrapStatus(rpc.CodeInternal, "open", openErr), &pe) {
			t.Errorf("errors.As did not reach the cause %T", openErr)
		}
	})
	t.Run("Errorf message", func(t *testing.T) {
		st := rpc.Errorf(rpc.CodeInternal, "load %q: %w", "cfg", io.EOF)
		if st.Message() != `load "cfg": EOF` || st.Code() != rpc.CodeInternal || st.Unwrap() != io.EOF {
			t.Errorf("got %q code %v cause %v", st.Message(), st.Code(), st.Unwrap())
		}
	})
}

// TestStatusOverTheWire checks what the caller gets from a handler's error.
func TestStatusOverTheWire(t *testing.T) {
	type unencodable struct{ C chan int }
	p := newPair(t, pairOptions{setup: func(srv *rpc.Endpoint) {
		for path, err := range map[string]error{
			"/st/custom":   rpc.NewStatus(rpc.CodeUser+1, "custom"),
			"/st/plain":    fmt.Errorf("broke: %d", 42),
			"/st/deadline": context.DeadlineExceeded,
			"/st/canceled": fmt.Errorf("gave up: %w", context.Canceled),
			"/st/wrapped":  fmt.Errorf("auth: %w", rpc.NewStatus(rpc.CodeUnauthorized, "who are you")),
			"/st/empty":    rpc.NewStatus(rpc.CodeUser+2, ""),
		} {
			stMust(t, srv.Router().HandleCall(path, rpc.CallFunc(func(*rpc.CallCtx, *int) (int, error) { return 0, err })))
		}
		stMust(t, srv.Router().HandleCall("/st/panic", rpc.CallFunc(func(*rpc.CallCtx, *int) (int, error) { panic("oops") })))
		stMust(t, srv.Router().HandleCall("/st/unencodable", rpc.CallFunc(func(*rpc.CallCtx, *int) (unencodable, error) {
			return unencodable{C: make(chan int)}, nil
		})))
		stMust(t, srv.Router().HandleCall("/st/string", rpc.CallFunc(func(*rpc.CallCtx, *int) (string, error) { return "text", nil })))
	}})
	for _, tc := range []struct {
		method string
		code   rpc.Code
		msg    string // "" means not checked
		is     error
	}{
		{"/st/custom", rpc.CodeUser + 1, "custom", nil},
		{"/st/plain", rpc.CodeUnknown, "broke: 42", nil},
		{"/st/deadline", rpc.CodeDeadlineExceeded, "", context.DeadlineExceeded},
		{"/st/canceled", rpc.CodeCanceled, "", context.Canceled},
		{"/st/wrapped", rpc.CodeUnauthorized, "who are you", nil},
		{"/st/empty", rpc.CodeUser + 2, "", nil},
		{"/st/panic", rpc.CodePanic, "", nil},
		{"/st/unencodable", rpc.CodeCodec, "", nil},
		{"/st/missing", rpc.CodeNotFound, "", nil},
	} {
		t.Run(tc.method, func(t *testing.T) {
			err := p.sess.Call(testCtx(t), tc.method, 1, nil)
			var st *rpc.Status
			if !errors.As(err, &st) {
				t.Fatalf("error %v (%T) is not a *rpc.Status", err, err)
			}
			if st.Code() != tc.code {
				t.Errorf("code %v, want %v (%v)", st.Code(), tc.code, err)
			}
			if tc.msg != "" && st.Message() != tc.msg {
				t.Errorf("message %q, want %q", st.Message(), tc.msg)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.is)
			}
		})
	}
	t.Run("reply that does not decode", func(t *testing.T) {
		var n int
		err := p.sess.Call(testCtx(t), "/st/string", 1, &n)
		if rpc.CodeOf(err) != rpc.CodeCodec || !errors.Is(err, codec.ErrDecode) {
			t.Errorf("decoding a string into an int: %v (code %v), want CodeCodec wrapping codec.ErrDecode", err, rpc.CodeOf(err))
		}
	})
	t.Run("session still works", func(t *testing.T) {
		var s string
		stMust(t, p.sess.Call(testCtx(t), "/st/string", 1, &s))
		if s != "text" {
			t.Errorf("got %q", s)
		}
	})
}
