package lifecycle_test

import (
	"context"

	"github.com/dmicro-go/dmicro/lifecycle"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/transport/websocket"
)

// envTransports adds the sandboxes of transportSandboxes to the test app.
const envTransports = "LIFECYCLE_TEST_TRANSPORTS"

// wsSandbox serves Math over WebSocket on the ListenAddr of its section,
// through the app's Binder.
type wsSandbox struct {
	lifecycle.BaseSandbox
	ep *rpc.Endpoint
}

func (s *wsSandbox) Name() string { return "ws" }

func (s *wsSandbox) Setup(ctx context.Context) error {
	cfg, err := s.EndpointConfig()
	if err != nil {
		return err
	}
	cfg.Transport = websocket.Transport{Config: websocket.Config{Binder: s.Binder()}}
	if s.ep, err = rpc.NewEndpoint(cfg); err != nil {
		return err
	}
	if _, err := s.ep.Router().RouteCall(new(Math)); err != nil {
		return err
	}
	return s.ep.ListenAndServe()
}

func (s *wsSandbox) Shutdown(ctx context.Context) error { return s.ep.Shutdown(ctx) }

// addTransportSandboxes adds a service of sandboxes on a unix socket,
// over TLS and over WebSocket, each configured by its section.
func addTransportSandboxes(app *lifecycle.App) error {
	s, err := app.NewService("transports")
	if err != nil {
		return err
	}
	for _, sb := range []lifecycle.Sandbox{&rpcSandbox{name: "unix"}, &rpcSandbox{name: "tls"}, &wsSandbox{}} {
		if err := s.AddSandbox(sb); err != nil {
			return err
		}
	}
	return nil
}
