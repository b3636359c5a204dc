package genmath

import (
	"math"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

// Server implements MathServer for the tests and the examples.
type Server struct {
	notes chan<- string
}

var _ MathServer = (*Server)(nil)

// NewServer returns a Server whose Note handler sends each note's text on
// notes (nil: drops them).
func NewServer(notes chan<- string) *Server { return &Server{notes: notes} }

// Add returns the sum of the operands.
func (s *Server) Add(ctx *rpc.CallCtx, in *AddRequest) (*AddReply, error) {
	var sum int64
	for _, v := range in.GetOperands() {
		sum += v
	}
	return &AddReply{Sum: sum}, nil
}

// Div divides a by b; b == 0 fails with CodeInvalidArgument.
func (s *Server) Div(ctx *rpc.CallCtx, in *DivRequest) (*DivReply, error) {
	if in.GetB() == 0 {
		return nil, rpc.Errorf(rpc.CodeInvalidArgument, "genmath: division of %v by zero", in.GetA())
	}
	q := in.GetA() / in.GetB()
	if math.IsInf(q, 0) {
		return nil, rpc.Errorf(rpc.CodeInvalidArgument, "genmath: %v / %v overflows", in.GetA(), in.GetB())
	}
	return &DivReply{Quotient: q}, nil
}

// Note sends the note's text on the server's channel, waiting for room
// while the push's context lasts.
func (s *Server) Note(ctx *rpc.PushCtx, in *NoteRequest) error {
	if s.notes == nil {
		return nil
	}
	// A push's context may have ended already (an HTTP client that went
	// away after its 202): the note is still delivered when there is room.
	select {
	case s.notes <- in.GetText():
		return nil
	default:
	}
	select {
	case s.notes <- in.GetText():
	case <-ctx.Context().Done():
	}
	return nil
}

// Echo returns the request with the call's metadata and the time left
// before its deadline.
func (s *Server) Echo(ctx *rpc.CallCtx, in *EchoRequest) (*EchoReply, error) {
	out := &EchoReply{Request: in, Meta: ctx.RequestMeta().Map()}
	if d, ok := ctx.Context().Deadline(); ok {
		out.DeadlineMs = time.Until(d).Milliseconds()
	}
	return out, nil
}

// OldAdd is Add.
func (s *Server) OldAdd(ctx *rpc.CallCtx, in *AddRequest) (*AddReply, error) { return s.Add(ctx, in) }
