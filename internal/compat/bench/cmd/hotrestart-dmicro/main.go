//go:build unix

// Command hotrestart-dmicro is the dmicro side of the hot-restart
// benchmark (package hotrestart): a lifecycle app of one sandbox serving
// hotrestart.Handler with net/http on the listener of
// lifecycle.BaseSandbox.Listen, at the ListenAddr of [sandbox.web], through
// lifecycle.HTTPServer as lifecycle's documentation says to. With
// "plain = true" in a [web] section it serves a bare http.Server instead,
// shut down by http.Server.Shutdown alone, as tableflip's example does.
//
//	hotrestart-dmicro start --config app.conf --pid app.pid
//	kill -HUP $(cat app.pid)      # or: hotrestart-dmicro reload --pid app.pid
package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/dmicro-go/dmicro/internal/compat/bench/hotrestart"
	"github.com/dmicro-go/dmicro/lifecycle"
)

func main() {
	app := lifecycle.NewApp("hotrestart-dmicro")
	if err := app.AddSandbox(&webSandbox{}); err != nil {
		panic(err) // one sandbox: a duplicate cannot happen
	}
	os.Exit(app.Main(os.Args[1:]))
}

// server is what the sandbox needs of http.Server and lifecycle.HTTPServer.
type server interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
}

// webSandbox serves net/http on the app's listener, which survives a
// reload.
type webSandbox struct {
	lifecycle.BaseSandbox
	srv server // set in Setup before it serves, so before Shutdown
}

func (s *webSandbox) Name() string { return "web" }

func (s *webSandbox) Setup(ctx context.Context) error {
	plain, err := s.ConfigFile().Section("web").Bool("plain", false)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: hotrestart.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.srv = &lifecycle.HTTPServer{Server: srv}
	if plain {
		s.srv = srv
	}
	l, err := s.Listen(ctx, "tcp", s.Config().String("ListenAddr", "127.0.0.1:8080"))
	if err != nil {
		return err
	}
	return s.srv.Serve(l)
}

func (s *webSandbox) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }
