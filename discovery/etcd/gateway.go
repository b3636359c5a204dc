package etcd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Errors the gateway client returns, wrapped with the endpoint and method
// they concern. discovery.ErrUnavailable is returned when no endpoint
// answered.
var (
	// ErrLeaseNotFound: etcd does not know the lease (it expired, was
	// revoked, or etcd lost its data).
	ErrLeaseNotFound = errors.New("etcd: lease not found")
	// ErrCompacted: a watch asked for a revision etcd has compacted away;
	// the watcher lists the keys again.
	ErrCompacted = errors.New("etcd: revision compacted")
	// ErrAuth: the user name or password was refused, or the token is
	// invalid after a fresh authentication.
	ErrAuth = errors.New("etcd: authentication failed")
	// ErrGateway: any other error the gateway reported, or an answer that
	// is not the JSON it should be.
	ErrGateway = errors.New("etcd: gateway error")
)

// gatewayError is the JSON error body of the gateway, for unary calls
// ({"error", "message", "code"}) and inside a stream
// ({"error": {"grpc_code", "http_code", "message"}}).
type gatewayError struct {
	Message string `json:"message"`
	Code    int    `json:"code"`
}

// Error is an error the gateway answered with: its gRPC code and message.
// It wraps ErrLeaseNotFound, ErrCompacted, ErrAuth or ErrGateway.
type Error struct {
	Endpoint string // the endpoint that answered
	Method   string // the gateway path, such as "/v3/kv/put"
	Code     int    // the gRPC status code
	Message  string // etcd's message
}

func (e *Error) Error() string {
	return fmt.Sprintf("etcd: %s %s: %s (code %d)", e.Endpoint, e.Method, e.Message, e.Code)
}

// Unwrap returns the sentinel the message maps to.
func (e *Error) Unwrap() error {
	switch {
	case strings.Contains(e.Message, "requested lease not found"):
		return ErrLeaseNotFound
	case strings.Contains(e.Message, "compacted"):
		return ErrCompacted
	case strings.Contains(e.Message, "authentication failed"), strings.Contains(e.Message, "invalid auth token"),
		strings.Contains(e.Message, "user name is empty"), strings.Contains(e.Message, "permission denied"):
		return ErrAuth
	}
	return ErrGateway
}

// invalidToken reports whether err says the auth token expired (etcd
// restarted, or the token's TTL passed): authenticate again and retry.
func invalidToken(err error) bool {
	var ge *Error
	return errors.As(err, &ge) && strings.Contains(ge.Message, "invalid auth token")
}

// header is the response header every gateway answer carries.
type header struct {
	ClusterID uint64 `json:"cluster_id,string"`
	MemberID  uint64 `json:"member_id,string"`
	Revision  int64  `json:"revision,string"`
}

// keyValue is one key as the gateway returns it; []byte fields are base64
// in JSON, int64s are JSON strings.
type keyValue struct {
	Key            []byte `json:"key"`
	Value          []byte `json:"value,omitempty"`
	CreateRevision int64  `json:"create_revision,string,omitempty"`
	ModRevision    int64  `json:"mod_revision,string,omitempty"`
	Lease          int64  `json:"lease,string,omitempty"`
}

type rangeRequest struct {
	Key      []byte `json:"key"`
	RangeEnd []byte `json:"range_end,omitempty"`
	Limit    int64  `json:"limit,string,omitempty"`
}

type rangeResponse struct {
	Header header     `json:"header"`
	KVs    []keyValue `json:"kvs"`
}

type putRequest struct {
	Key   []byte `json:"key"`
	Value []byte `json:"value"`
	Lease int64  `json:"lease,string,omitempty"`
}

type deleteRequest struct {
	Key      []byte `json:"key"`
	RangeEnd []byte `json:"range_end,omitempty"`
}

type leaseRequest struct {
	TTL int64 `json:"TTL,string,omitempty"`
	ID  int64 `json:"ID,string,omitempty"`
}

type leaseResponse struct {
	Header header `json:"header"`
	ID     int64  `json:"ID,string"`
	TTL    int64  `json:"TTL,string"`
}

// keepAliveResponse is one message of the keep-alive stream.
type keepAliveResponse struct {
	Result leaseResponse    `json:"result"`
	Error  *json.RawMessage `json:"error"`
}

type authRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

type authResponse struct {
	Token string `json:"token"`
}

type watchCreate struct {
	Key           []byte `json:"key"`
	RangeEnd      []byte `json:"range_end,omitempty"`
	StartRevision int64  `json:"start_revision,string,omitempty"`
	PrevKV        bool   `json:"prev_kv,omitempty"`
}

type watchRequest struct {
	Create watchCreate `json:"create_request"`
}

// watchEvent is one change; Type is "" for a put and "DELETE" for a
// delete.
type watchEvent struct {
	Type   string    `json:"type,omitempty"`
	KV     keyValue  `json:"kv"`
	PrevKV *keyValue `json:"prev_kv,omitempty"`
}

type watchResult struct {
	Header          header       `json:"header"`
	Created         bool         `json:"created,omitempty"`
	Canceled        bool         `json:"canceled,omitempty"`
	CompactRevision int64        `json:"compact_revision,string,omitempty"`
	CancelReason    string       `json:"cancel_reason,omitempty"`
	Events          []watchEvent `json:"events,omitempty"`
}

type watchMessage struct {
	Result *watchResult `json:"result"`
	Error  *streamError `json:"error"`
}

type streamError struct {
	GRPCCode int    `json:"grpc_code"`
	HTTPCode int    `json:"http_code"`
	Message  string `json:"message"`
}

// decodeError turns a non-2xx answer body into an *Error.
func decodeError(endpoint, method string, status int, body []byte) error {
	var ge gatewayError
	if err := json.Unmarshal(body, &ge); err != nil || ge.Message == "" {
		return &Error{Endpoint: endpoint, Method: method, Code: -1,
			Message: fmt.Sprintf("HTTP %d: %.200q", status, body)}
	}
	return &Error{Endpoint: endpoint, Method: method, Code: ge.Code, Message: ge.Message}
}

// decodeRange decodes a range answer.
func decodeRange(body []byte) (rangeResponse, error) {
	var r rangeResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return rangeResponse{}, fmt.Errorf("%w: range answer: %v", ErrGateway, err)
	}
	return r, nil
}

// watchDecoder reads the watch stream: a sequence of JSON objects, each
// {"result": {...}} or {"error": {...}}.
type watchDecoder struct {
	d        *json.Decoder
	r        *readErr
	endpoint string
}

// readErr remembers the error of the reader under a decoder, to tell a
// failed connection from bad JSON.
type readErr struct {
	r   io.Reader
	err error
}

func (e *readErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil {
		e.err = err
	}
	return n, err
}

func newWatchDecoder(r io.Reader, endpoint string) *watchDecoder {
	re := &readErr{r: r}
	return &watchDecoder{d: json.NewDecoder(re), r: re, endpoint: endpoint}
}

// next returns the next result of the stream: an error wrapping
// ErrCompacted when the watch was cancelled for a compacted revision, an
// *Error for an error message, io.EOF at the end of the stream between
// messages, io.ErrUnexpectedEOF or the reader's error when it ended or
// failed within one, an error wrapping ErrGateway for anything else.
func (w *watchDecoder) next() (*watchResult, error) {
	var m watchMessage
	if err := w.d.Decode(&m); err != nil {
		switch {
		case err == io.EOF, err == io.ErrUnexpectedEOF:
			return nil, err
		case w.r.err != nil && w.r.err != io.EOF:
			return nil, err // the connection failed
		}
		return nil, fmt.Errorf("%w: %s watch stream: %v", ErrGateway, w.endpoint, err)
	}
	switch {
	case m.Error != nil:
		return nil, &Error{Endpoint: w.endpoint, Method: "/v3/watch", Code: m.Error.GRPCCode, Message: m.Error.Message}
	case m.Result == nil:
		return nil, fmt.Errorf("%w: %s watch stream: a message with neither result nor error", ErrGateway, w.endpoint)
	case m.Result.CompactRevision != 0:
		return nil, fmt.Errorf("%w: %s watch: revisions up to %d compacted", ErrCompacted, w.endpoint, m.Result.CompactRevision)
	case m.Result.Canceled:
		return nil, &Error{Endpoint: w.endpoint, Method: "/v3/watch", Code: -1,
			Message: "watch cancelled: " + m.Result.CancelReason}
	}
	return m.Result, nil
}
