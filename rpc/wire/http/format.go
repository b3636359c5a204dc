package http

import (
	"bufio"
	"sync"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// The limits of the framer. FORMAT.md documents each of them.
const (
	// maxHeadBytes caps a request or status line and its header lines,
	// line endings included.
	maxHeadBytes = 64 << 10
	// maxHeaderLines caps the number of header lines of one head, and of
	// the trailer of a chunked body.
	maxHeaderLines = 100
	// maxLineBytes caps one line of a head or of a chunked body's framing,
	// line ending excluded.
	maxLineBytes = 8 << 10
	// maxPending caps the requests read whose responses are not written
	// yet; past it the framer stops reading, as for "Connection: close".
	maxPending = 1024
	// maxBufferedFactor times the size limit caps the bytes of responses
	// held in the reorder buffer before the framer stops reading.
	maxBufferedFactor = 8
)

// Format is the HTTP/1.1 format. Its zero value is ready to use: it accepts
// calls as POST requests only.
type Format struct {
	// GetMethods lists the methods that may also be called with GET: the
	// query string is then the body, with the form codec. A GET to any
	// other path is answered 405 Method Not Allowed. Empty or nil: GET is
	// never allowed. The map must not change once the format is in use.
	GetMethods map[string]bool
	// JSONRPCPath is the path whose POST requests carry JSON-RPC 2.0 in
	// their bodies instead of a plain call, read and answered by JSONRPC.
	// Empty: there is no such path.
	JSONRPCPath string
	// JSONRPC reads the bodies posted to JSONRPCPath: jsonrpc.Format{}.
	// Nil with a JSONRPCPath: requests to it are answered 501 Not
	// Implemented.
	JSONRPC wire.BodyProtocol
}

var (
	_ wire.Format  = Format{}
	_ wire.Sniffer = Format{}
)

// Name returns "http".
func (Format) Name() string { return "http" }

// NewFramer returns a framer that reads HTTP/1.1 requests and responses
// from r and refuses bodies larger than opts.Limit() in both directions,
// and requests and responses read whose Rpc-Meta-* headers pass
// opts.MetadataLimits(). It reserves each body's buffer from opts.Budget
// before it allocates it.
// It is a [wire.InterimWriter]: it queues the responses it makes itself
// ("100 Continue", the 204 to a cancel) through the function given to
// SetInterim. It tells requests from responses by their first line, on
// either side; opts.Client only decides how a go-away is written (see
// AppendMessage).
func (ft Format) NewFramer(r *bufio.Reader, opts wire.Options) wire.Framer {
	return &framer{
		r:        r,
		limit:    opts.Limit(),
		metaCaps: opts.MetadataLimits(),
		budget:   opts.Budget,
		client:   opts.Client,
		get:      ft.GetMethods,
		rpcPath:  ft.JSONRPCPath,
		rpcProto: ft.JSONRPC,
		h:        head{contentLength: -1, codecHdr: -1},
	}
}

// framer reads and writes the HTTP messages of one connection.
//
// ReadMessage and AppendMessage run concurrently: the state they share
// (the responses owed and the requests sent) is guarded by mu, and the
// rest belongs to one side only.
type framer struct {
	r        *bufio.Reader
	limit    int
	metaCaps wire.MetadataLimits // caps the metadata of a head read
	budget   *wire.Budget        // reserves the bodies read; nil: none
	client   bool                // this side dialed: a go-away is its last request
	interim  func([]byte)        // set by SetInterim before the first read; nil: none
	get      map[string]bool
	rpcPath  string
	rpcProto wire.BodyProtocol

	// The reader's own state.
	state      readState
	after      readState // the state after the go-away that closing returns
	saidGoAway bool      // the reader returned its go-away
	ord        uint32    // the ordinal of the last request read on the connection
	seq        uint32    // the last seq given out: to a request, or to a message of a JSON-RPC body
	rpcx       wire.BodyExchange
	inBody     bool             // the reader is handing out the messages of a JSON-RPC body
	bodyKey    uint32           // the seq of the slot that answers that body
	rpcIn      wire.Message     // holds that body's buffer until its last message is out
	ctrl       []byte           // a response the reader writes itself, through interim
	h          head             // the head being read
	long       []byte           // a line longer than the bufio.Reader's buffer
	target     []byte           // the request target, copied out of the reader's buffer
	meta       []byte           // metadata keys and values of the head being read
	reason     []byte           // the reason phrase of the status line being read
	methods    wire.MethodCache // interns the paths of requests

	mu      sync.Mutex
	owed    order             // responses this side owes, in request order
	members map[uint32]member // seqs of JSON-RPC body messages given out and not yet answered
	rpcOut  []byte            // the answer body of a JSON-RPC request, while it is rendered
	sent    []sentReq         // requests this side sent and not yet answered, oldest first
	sent0   int               // sent[sent0:] are outstanding
	sentOrd uint32            // the ordinal of the last request this side wrote
	scratch []byte            // the body of an error response being written
	date    []byte            // the Date of responses, for dateSec
	dateSec int64
	// goingAway is set by this side's go-away when it accepted the
	// connection: every response written from then on says
	// "Connection: close".
	goingAway bool
	// peerClosed is set once a response said "Connection: close" (the
	// peer closes after it), saidClose once this side wrote its last
	// request: either way this side writes no more cancel or go-away
	// requests. Calls and pushes stop in the rpc layer, once it reads the
	// go-away (or sends its own); the framer writes those it is given.
	peerClosed bool
	saidClose  bool
}

// member is a message of a JSON-RPC body handed to the rpc layer.
type member struct {
	slot uint32 // the seq of the slot that answers the body
	push bool   // a notification: its acknowledgement makes no answer
}

// sentReq is a request this side wrote, waiting for its response.
type sentReq struct {
	seq      uint32 // the rpc layer's seq of a call
	ord      uint32 // the request's ordinal among those this side wrote
	kind     sentKind
	canceled bool // the caller gave up: the response is read and dropped
}

// sentKind says what a request this side wrote was.
type sentKind uint8

const (
	sentCall    sentKind = iota
	sentPush             // answered 202; nobody waits for it
	sentControl          // a cancel or go-away request, answered by the peer's framer
)

// silent reports whether the response to r makes no message: nobody
// waits for it.
func (r sentReq) silent() bool { return r.kind != sentCall || r.canceled }

// AcksPushes reports true: every HTTP request is answered, pushes with
// 202 Accepted.
func (f *framer) AcksPushes() bool { return true }

var _ wire.PushAcker = (*framer)(nil)

// SetInterim sets the function through which the framer queues the
// responses it writes itself between the rpc layer's frames. Without one,
// it sends no "100 Continue" and writes the 204 to a cancel or go-away
// request with the next response.
func (f *framer) SetInterim(send func(b []byte)) { f.interim = send }

var _ wire.InterimWriter = (*framer)(nil)
