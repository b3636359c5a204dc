package xmlrpc

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// DefaultMaxBodyBytes is the largest request body a [Server] reads when its
// MaxBodyBytes is zero: 1 MiB. supervisorctl's requests are a few hundred
// bytes; the largest, sendProcessStdin, carries what the user typed.
const DefaultMaxBodyBytes = 1 << 20

// HandlerFunc is a method of a [Server]. It gets the call's params as
// [UnmarshalCall] returns them and returns the result, which is marshalled
// as [MarshalResponse] does, or an error, which the caller receives as the
// fault [FaultOf] gives. ctx is the HTTP request's context: it is canceled
// when the client goes away.
type HandlerFunc func(ctx context.Context, params []any) (any, error)

// Server serves XML-RPC calls over HTTP: it is an [http.Handler] that
// dispatches each POSTed methodCall to the method registered under its
// name. Mount it where the clients post; supervisorctl and Python's
// ServerProxy post to /RPC2, and supervisord serves XML-RPC on every path
// that starts with /RPC2 (and its web UI on /):
//
//	mux.Handle("/RPC2", srv)
//
// Besides the registered methods a Server answers system.listMethods and
// system.multicall, as supervisord does; registering a method of the same
// name replaces them.
//
// The zero Server is ready to use and has no methods. Set the exported
// fields before serving; methods may be registered at any time. A Server
// is safe for concurrent use, and so must its methods be: it runs the
// calls of concurrent requests concurrently (the calls of one
// system.multicall run one after another, in order).
//
// # Errors
//
// A call is answered with a fault when the method is unknown
// ([FaultUnknownMethod]), when it returns an error (the fault [FaultOf]
// gives: the *[Fault] in the error's chain, or [FaultFailed] with the
// error's text), when it panics ([FaultFailed]; the panic and its stack
// are logged), or when its result cannot be marshalled ([FaultFailed]).
// A request that carries no call is answered with an HTTP error and a
// plain-text reason, and no method runs (supervisord answers 400 to all of
// these; Python clients raise ProtocolError for any of them):
//
//   - 405 Method Not Allowed when the request is not a POST;
//   - 415 Unsupported Media Type when its Content-Type is set and is not
//     XML (text/xml, application/xml or +xml), or its Content-Encoding is
//     not gzip or identity;
//   - 413 Request Entity Too Large when its body, once decompressed, is
//     over MaxBodyBytes;
//   - 400 Bad Request when its body is not a well-formed methodCall.
type Server struct {
	// MaxBodyBytes is the largest request body the server reads, counted
	// after gzip decompression. Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64

	// Logger receives the panics of methods (at Error, with their stack)
	// and the requests refused for their form (at Debug). Nil means
	// silence.
	Logger *slog.Logger

	mu      sync.RWMutex
	methods map[string]HandlerFunc
}

// Handle registers fn as the method name, replacing any method of that
// name. It panics if name is empty or fn is nil.
func (s *Server) Handle(name string, fn HandlerFunc) {
	if name == "" {
		panic("xmlrpc: Handle with an empty method name")
	}
	if fn == nil {
		panic("xmlrpc: Handle " + name + " with a nil function")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.methods == nil {
		s.methods = make(map[string]HandlerFunc)
	}
	s.methods[name] = fn
}

// Methods returns the names of the server's methods, system.listMethods
// and system.multicall included, sorted.
func (s *Server) Methods() []string {
	s.mu.RLock()
	names := make([]string, 0, len(s.methods)+2)
	for name := range s.methods {
		names = append(names, name)
	}
	s.mu.RUnlock()
	for _, b := range [...]string{methodListMethods, methodMulticall} {
		if !slices.Contains(names, b) {
			names = append(names, b)
		}
	}
	slices.Sort(names)
	return names
}

const (
	methodListMethods = "system.listMethods"
	methodMulticall   = "system.multicall"
)

func (s *Server) lookup(name string) HandlerFunc {
	s.mu.RLock()
	fn := s.methods[name]
	s.mu.RUnlock()
	if fn != nil {
		return fn
	}
	switch name {
	case methodListMethods:
		return s.listMethods
	case methodMulticall:
		return s.multicall
	}
	return nil
}

// Call runs method with params in the calling goroutine, as a request for
// it would, and returns its result or its error as it is (an error that
// is a nil *[Fault] counts as success). An unknown
// method gives a *[Fault] with [FaultUnknownMethod], and a panic a *Fault
// with [FaultFailed].
func (s *Server) Call(ctx context.Context, method string, params []any) (result any, err error) {
	fn := s.lookup(method)
	if fn == nil {
		return nil, NewFault(FaultUnknownMethod)
	}
	defer func() {
		if p := recover(); p != nil {
			s.logger().ErrorContext(ctx, "xmlrpc: method panicked",
				"method", method, "panic", p, "stack", string(debug.Stack()))
			result, err = nil, Faultf(FaultFailed, "panic: %v", p)
		}
	}()
	result, err = fn(ctx, params)
	if f, ok := err.(*Fault); ok && f == nil {
		// A nil *Fault in a non-nil error is success, not a fault that
		// would panic when read.
		err = nil
	}
	return result, err
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// ServeHTTP reads a methodCall from the request's body, runs it, and
// writes the methodResponse, or an HTTP error as the [Server]
// documentation describes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.refuse(w, r, http.StatusMethodNotAllowed, "xmlrpc: calls are POSTed")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "text/xml" && mt != "application/xml" && !strings.HasSuffix(mt, "+xml") {
			s.refuse(w, r, http.StatusUnsupportedMediaType, "xmlrpc: the body of a call is text/xml")
			return
		}
	}
	data, status, err := s.readBody(w, r)
	if err != nil {
		s.refuse(w, r, status, err.Error())
		return
	}
	method, params, err := parseCall(data)
	if err != nil {
		s.refuse(w, r, http.StatusBadRequest, err.Error())
		return
	}
	var body []byte
	result, err := s.Call(r.Context(), method, params)
	if err == nil {
		body, err = MarshalResponse(result)
		if err != nil {
			s.logger().ErrorContext(r.Context(), "xmlrpc: cannot marshal a result",
				"method", method, "err", err)
		}
	}
	if err != nil {
		body = MarshalFault(FaultOf(err))
	}
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// readBody reads the request body, decompressed, within MaxBodyBytes. On
// failure it returns the HTTP status to answer with.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, error) {
	limit := s.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	tooLarge := func() error { return fmt.Errorf("xmlrpc: the body of a call is limited to %d bytes", limit) }
	if r.ContentLength > limit {
		return nil, http.StatusRequestEntityTooLarge, tooLarge()
	}
	// MaxBytesReader also tells the server to close the connection
	// rather than read the rest of an oversized body.
	var body io.Reader = http.MaxBytesReader(w, r.Body, limit)
	switch enc := strings.ToLower(r.Header.Get("Content-Encoding")); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, badBodyStatus(err), fmt.Errorf("xmlrpc: bad gzip body: %w", err)
		}
		defer zr.Close()
		body = zr
	default:
		return nil, http.StatusUnsupportedMediaType, fmt.Errorf("xmlrpc: unsupported Content-Encoding %q", enc)
	}
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, badBodyStatus(err), fmt.Errorf("xmlrpc: reading the body: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, http.StatusRequestEntityTooLarge, tooLarge()
	}
	return data, 0, nil
}

func badBodyStatus(err error) int {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.logger().DebugContext(r.Context(), "xmlrpc: request refused",
		"remote", r.RemoteAddr, "status", status, "err", msg)
	http.Error(w, msg, status)
}

// listMethods is system.listMethods: it takes no params and returns the
// sorted names of the server's methods.
func (s *Server) listMethods(_ context.Context, params []any) (any, error) {
	if len(params) != 0 {
		return nil, NewFault(FaultIncorrectParameters)
	}
	return s.Methods(), nil
}

// multicall is system.multicall: it takes an array of structs with the
// members methodName (a string) and params (an array), runs the calls in
// order, and returns an array holding, for each call, either a one-element
// array with its result or a struct with its faultCode and faultString.
// A call of system.multicall itself is refused, as supervisord does.
func (s *Server) multicall(ctx context.Context, params []any) (any, error) {
	if len(params) != 1 {
		return nil, NewFault(FaultIncorrectParameters)
	}
	calls, ok := params[0].([]any)
	if !ok {
		return nil, Faultf(FaultIncorrectParameters, "system.multicall takes an array of calls")
	}
	results := make([]any, len(calls))
	for i, c := range calls {
		v, err := s.multicallOne(ctx, c)
		if err != nil {
			f := FaultOf(err)
			results[i] = map[string]any{"faultCode": f.Code, "faultString": f.String}
		} else {
			results[i] = []any{v}
		}
	}
	return results, nil
}

func (s *Server) multicallOne(ctx context.Context, c any) (any, error) {
	call, ok := c.(map[string]any)
	if !ok {
		return nil, Faultf(FaultIncorrectParameters, "a call is a struct, not %s", typeName(c))
	}
	name, _ := call["methodName"].(string)
	if name == "" {
		return nil, Faultf(FaultIncorrectParameters, "No methodName")
	}
	if name == methodMulticall {
		return nil, Faultf(FaultIncorrectParameters, "Recursive system.multicall forbidden")
	}
	var params []any
	switch p := call["params"].(type) {
	case nil:
	case []any:
		params = p
	default:
		return nil, Faultf(FaultIncorrectParameters, "params is an array, not %s", typeName(p))
	}
	v, err := s.Call(ctx, name, params)
	if err != nil {
		return nil, err
	}
	// The result must be marshallable on its own, so that one bad result
	// costs its call alone and not the whole multicall.
	if _, err := MarshalResponse(v); err != nil {
		return nil, err
	}
	return v, nil
}
