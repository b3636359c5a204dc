package genmath_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/dmicro-go/dmicro/internal/genmath"
	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/rpc/wire"
	wirehttp "github.com/dmicro-go/dmicro/rpc/wire/http"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// formats are the wire formats the generated code is tested over.
var formats = []struct {
	name string
	f    wire.Format
}{{"raw", raw.Format{}}, {"http", wirehttp.Format{}}}

// serve starts an endpoint speaking f on 127.0.0.1 with the routes
// register makes, and returns its address; the test's cleanup closes it.
func serve(t *testing.T, f wire.Format, register func(r *rpc.Router) error) string {
	t.Helper()
	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0", Format: f})
	if err != nil {
		t.Fatal(err)
	}
	if err := register(srv.Router()); err != nil {
		srv.Close()
		t.Fatal(err)
	}
	l, err := srv.Listen(rpctest.Context(t))
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, rpc.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return l.Addr().String()
}

// dial returns a session to addr from a new client endpoint speaking f.
func dial(t *testing.T, f wire.Format, addr string) *rpc.Session {
	t.Helper()
	return rpctest.Dial(t, rpc.Config{Format: f}, addr)
}

// fullEcho fills every field of an EchoRequest, the oneof included.
func fullEcho() *genmath.EchoRequest {
	return &genmath.EchoRequest{
		Choice: &genmath.EchoRequest_Number{Number: 9},
		Text:   "héllo", Data: []byte{0, 1, 0xff}, I32: -5, U32: 1 << 31, I64: -1 << 40, U64: 1 << 63,
		F64: 42, Ratio: 0.5, Flag: true, Color: genmath.Color_COLOR_GREEN,
		Tags:   []string{"a", "b"},
		Counts: map[string]int64{"x": 1, "y": -2},
		Names:  map[int32]string{-1: "minus one", 7: "seven"},
		Point:  &genmath.EchoRequest_Point{X: -3, Y: 4},
		Path:   []*genmath.EchoRequest_Point{{X: 1}, {Y: 2}},
		Maybe:  proto.Int32(0),
		At:     &timestamppb.Timestamp{Seconds: 1700000000, Nanos: 5},
	}
}

// TestTypedClientServer calls the generated server with the generated
// client over each format: replies, errors with their codes, pushes,
// metadata, deadlines, a path set by a directive, and both codecs.
func TestTypedClientServer(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			leakcheck.Check(t)
			notes := make(chan string, 1)
			addr := serve(t, f.f, func(r *rpc.Router) error {
				return genmath.RegisterMathServer(r, genmath.NewServer(notes))
			})
			c := genmath.NewMathClient(dial(t, f.f, addr))
			ctx := rpctest.Context(t)

			sum, err := c.Add(ctx, &genmath.AddRequest{Operands: []int64{1, 2, 3, 1 << 40}})
			if err != nil || sum.GetSum() != 6+1<<40 {
				t.Fatalf("Add = %v, %v; want %d", sum, err, 6+1<<40)
			}
			sum, err = c.OldAdd(ctx, &genmath.AddRequest{Operands: []int64{4, 5}})
			if err != nil || sum.GetSum() != 9 {
				t.Fatalf("OldAdd = %v, %v; want 9", sum, err)
			}

			q, err := c.Div(ctx, &genmath.DivRequest{A: 1})
			var st *rpc.Status
			if q != nil || rpc.CodeOf(err) != rpc.CodeInvalidArgument || !errors.As(err, &st) || st.Message() != "genmath: division of 1 by zero" {
				t.Fatalf("Div by 0 = %v, %v; want code %v", q, err, rpc.CodeInvalidArgument)
			}

			if err := c.Note(ctx, &genmath.NoteRequest{Text: "hi"}); err != nil {
				t.Fatalf("Note: %v", err)
			}
			if got := <-notes; got != "hi" {
				t.Fatalf("the server got the note %q, want hi", got)
			}

			dctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			for _, codec := range []string{"protobuf", "json"} {
				in := fullEcho()
				out, err := c.Echo(dctx, in, rpc.WithMeta("trace-id", "t1"), rpc.WithCodec(codec))
				if err != nil {
					t.Fatalf("Echo over %s: %v", codec, err)
				}
				if !proto.Equal(out.GetRequest(), in) {
					t.Errorf("Echo over %s: the server decoded %v, want %v", codec, out.GetRequest(), in)
				}
				if out.GetMeta()["trace-id"] != "t1" {
					t.Errorf("Echo over %s: the server saw the metadata %v, want trace-id=t1", codec, out.GetMeta())
				}
				if d := out.GetDeadlineMs(); d <= 0 || d > time.Minute.Milliseconds() {
					t.Errorf("Echo over %s: the server's deadline is %d ms away, want (0, 60000]", codec, d)
				}
			}
		})
	}
}

// TestClientOptions checks that the options given to NewMathClient apply
// to every call, before each call's own.
func TestClientOptions(t *testing.T) {
	leakcheck.Check(t)
	addr := serve(t, raw.Format{}, func(r *rpc.Router) error {
		return genmath.RegisterMathServer(r, genmath.NewServer(nil))
	})
	c := genmath.NewMathClient(dial(t, raw.Format{}, addr), rpc.WithMeta("k", "client"), rpc.WithCodec("json"))
	ctx := rpctest.Context(t)
	out, err := c.Echo(ctx, &genmath.EchoRequest{Text: "x"})
	if err != nil || out.GetMeta()["k"] != "client" {
		t.Fatalf("Echo = %v, %v; want the metadata k=client", out, err)
	}
	out, err = c.Echo(ctx, &genmath.EchoRequest{Text: "x"}, rpc.WithMeta("k", "call"))
	if err != nil || out.GetMeta()["k"] != "call" {
		t.Fatalf("Echo = %v, %v; want the call's metadata k=call", out, err)
	}
}

// Math is the service registered by reflection, as a hand-written
// service would be.
type Math struct{}

func (Math) Add(ctx *rpc.CallCtx, in *genmath.AddRequest) (*genmath.AddReply, error) {
	return &genmath.AddReply{Sum: int64(len(in.GetOperands()))}, nil
}

func (Math) Div(ctx *rpc.CallCtx, in *genmath.DivRequest) (*genmath.DivReply, error) {
	return nil, rpc.NewStatus(rpc.CodeUser+1, "no division here")
}

func (Math) Echo(ctx *rpc.CallCtx, in *genmath.EchoRequest) (*genmath.EchoReply, error) {
	return &genmath.EchoReply{Request: in}, nil
}

// TestReflectInterop checks that the generated paths are those rpc's
// reflection gives the same names: a generated client calls a struct
// registered with RouteCall, and a plain Session.Call reaches the
// generated server.
func TestReflectInterop(t *testing.T) {
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			leakcheck.Check(t)
			var paths []string
			addr := serve(t, f.f, func(r *rpc.Router) error {
				var err error
				paths, err = r.RouteCall(new(Math))
				return err
			})
			want := []string{genmath.MathAddPath, genmath.MathDivPath, genmath.MathEchoPath}
			slices.Sort(paths)
			slices.Sort(want)
			if !slices.Equal(paths, want) {
				t.Fatalf("RouteCall(Math{}) routed %v; the generated paths are %v", paths, want)
			}
			c := genmath.NewMathClient(dial(t, f.f, addr))
			ctx := rpctest.Context(t)
			if out, err := c.Add(ctx, &genmath.AddRequest{Operands: []int64{7, 7, 7}}); err != nil || out.GetSum() != 3 {
				t.Fatalf("Add on the reflected server = %v, %v; want 3", out, err)
			}
			if _, err := c.Div(ctx, &genmath.DivRequest{}); rpc.CodeOf(err) != rpc.CodeUser+1 {
				t.Fatalf("Div on the reflected server: %v; want code %v", err, rpc.CodeUser+1)
			}

			addr = serve(t, f.f, func(r *rpc.Router) error {
				return genmath.RegisterMathServer(r, genmath.NewServer(nil))
			})
			s := dial(t, f.f, addr)
			var out genmath.AddReply
			if err := s.Call(ctx, "/math/add", &genmath.AddRequest{Operands: []int64{2, 3}}, &out, rpc.WithCodec("protobuf")); err != nil || out.GetSum() != 5 {
				t.Fatalf("Call /math/add on the generated server = %v, %v; want 5", &out, err)
			}
		})
	}
}

// nilServer answers Add with a nil reply and no error.
type nilServer struct{ *genmath.Server }

func (nilServer) Add(*rpc.CallCtx, *genmath.AddRequest) (*genmath.AddReply, error) { return nil, nil }

// TestNilReply checks that a nil reply with a nil error reaches the
// caller as an empty message, in both codecs.
func TestNilReply(t *testing.T) {
	leakcheck.Check(t)
	addr := serve(t, raw.Format{}, func(r *rpc.Router) error {
		return genmath.RegisterMathServer(r, nilServer{genmath.NewServer(nil)})
	})
	s := dial(t, raw.Format{}, addr)
	ctx := rpctest.Context(t)
	for _, codec := range []string{"protobuf", "json"} {
		var body rpc.Raw
		if err := s.Call(ctx, genmath.MathAddPath, &genmath.AddRequest{}, &body, rpc.WithCodec(codec)); err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{"protobuf": "", "json": "{}"}[codec]; string(body.Data) != want {
			t.Errorf("a nil reply in %s is %q on the wire, want %q", codec, body.Data, want)
		}
	}
}

// TestRegisterTwice checks that registering a service over its own
// routes fails with the router's error.
func TestRegisterTwice(t *testing.T) {
	ep, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	if err := genmath.RegisterMathServer(ep.Router(), genmath.NewServer(nil)); err != nil {
		t.Fatal(err)
	}
	if err := genmath.RegisterMathServer(ep.Router(), genmath.NewServer(nil)); err == nil {
		t.Fatal("a second RegisterMathServer on the same router succeeded")
	}
}

// TestOneofJSON checks what the OpenAPI document says of oneofs: both the
// protobuf and the json codec carry them (the generated UnmarshalJSON
// reads what encoding/json writes), and a JSON request setting two members
// of one oneof fails with CodeCodec.
func TestOneofJSON(t *testing.T) {
	leakcheck.Check(t)
	addr := serve(t, raw.Format{}, func(r *rpc.Router) error {
		return genmath.RegisterMathServer(r, genmath.NewServer(nil))
	})
	sess := dial(t, raw.Format{}, addr)
	c := genmath.NewMathClient(sess)
	ctx := rpctest.Context(t)
	in := &genmath.EchoRequest{Choice: &genmath.EchoRequest_Word{Word: "w"}}
	if out, err := c.Echo(ctx, in); err != nil || out.GetRequest().GetWord() != "w" {
		t.Fatalf("Echo with a oneof over protobuf = %v, %v", out, err)
	}
	if out, err := c.Echo(ctx, in, rpc.WithCodec("json")); err != nil || out.GetRequest().GetWord() != "w" {
		t.Fatalf("Echo with a oneof over JSON = %v, %v", out, err)
	}
	var out genmath.EchoReply
	err := sess.Call(ctx, genmath.MathEchoPath, json.RawMessage(`{"Choice":{"Number":1,"Word":"w"}}`), &out, rpc.WithCodec("json"))
	if rpc.CodeOf(err) != rpc.CodeCodec {
		t.Fatalf("Echo with two members of a oneof over JSON: %v; want code %v", err, rpc.CodeCodec)
	}
}
