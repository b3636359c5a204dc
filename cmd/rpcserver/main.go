// Command rpcserver is the DServer example of DMicro's README (rbc_server.go)
// on dmicro's lifecycle package: a sandbox, DRpcSandBox, serves the Math
// service, whose Add method sums a list of integers and logs the "author"
// metadata of each call, and the app, DMicro_drpc, runs it:
//
//	go build -o rpcserver ./cmd/rpcserver
//	./rpcserver start [-d]      serve, in the foreground or detached (pid file, log file)
//	./rpcserver reload          hot restart: a new process takes over the sockets, the old one drains
//	./rpcserver status [-json]  show the running app
//	./rpcserver ctl             the control shell (prompt "DMicro_drpc » "; help lists its commands)
//	./rpcserver stop            stop gracefully: calls in flight finish first
//	./rpcserver version | help
//
// Every command takes --config FILE, --env NAME, --pid FILE, --log FILE and
// --debug. With no configuration it serves raw frames over TCP on
// 127.0.0.1:9091. The sandbox's section sets its endpoint (see
// lifecycle/conf); the [rpcserver] section, the transports that a sandbox's
// section cannot name:
//
//	[sandbox.DRpcSandBox]
//	ListenAddr = 127.0.0.1:9091
//	Formats = raw, json, pb, http, jsonrpc  ; every format on one port, and ws:// (wss://) over tcp (tls)
//	; Format = json                         ; or one of them
//	; Network = unix                        ; ListenAddr is then the socket's path
//	; TLSCert = cert.pem                    ; TLS, and the certificate of quic and wss
//	; TLSKey = key.pem
//
//	[rpcserver]
//	transport = quic       ; tls, kcp, quic, websocket or wss; empty: tcp (or unix, as Network says)
//	cert_out = cert.pem    ; without TLSCert: a self-signed certificate, made once, its key in cert.pem.key
//
// Clients trust the self-signed certificate with rpcclient -ca cert.pem;
// reloads keep serving it.
// main.go is the port of the seed's rbc_server.go, and README.md shows it;
// transport.go reads the [rpcserver] section. Copy them as the template of
// a server.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/dmicro-go/dmicro/lifecycle"
	"github.com/dmicro-go/dmicro/rpc"
)

// DRpcSandBox is the default sandbox: an rpc endpoint serving Math.
type DRpcSandBox struct {
	lifecycle.BaseSandbox
	endpoint *rpc.Endpoint
}

func (s *DRpcSandBox) Name() string {
	return "DRpcSandBox"
}

func (s *DRpcSandBox) Setup(ctx context.Context) error {
	s.Logger().Info("DRpcSandBox Setup")
	cfg, err := s.EndpointConfig()
	if err != nil {
		return err
	}
	if cfg.ListenAddr == "" {
		cfg.ListenAddr = "127.0.0.1:9091"
	}
	cfg.LogCalls = true
	if err := s.transport(&cfg); err != nil { // kcp, quic, WebSocket: see transport.go
		return err
	}
	if s.endpoint, err = rpc.NewEndpoint(cfg); err != nil {
		return err
	}
	if _, err := s.endpoint.Router().RouteCall(new(Math)); err != nil {
		return err
	}
	return s.endpoint.ListenAndServe()
}

func (s *DRpcSandBox) Shutdown(ctx context.Context) error {
	s.Logger().Info("DRpcSandBox Shutdown")
	return s.endpoint.Shutdown(ctx)
}

// Math is the service; embedding rpc.CallCtx gives its methods the call's
// metadata, session and context, as in DMicro.
type Math struct {
	rpc.CallCtx
}

// Add sums the integers; it is routed as "/math/add".
func (m *Math) Add(arg *[]int) (int, *rpc.Status) {
	// test meta
	slog.InfoContext(m.Context(), "math.add", "author", m.PeekMeta("author")) // the app's log
	// add
	var r int
	for _, a := range *arg {
		r += a
	}
	// response
	return r, nil
}

func main() {
	app := lifecycle.NewApp("DMicro_drpc")
	app.Authors = "osgochina@gmail.com"
	if err := app.AddSandbox(new(DRpcSandBox)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(app.Main(os.Args[1:]))
}
