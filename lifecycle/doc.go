// Package lifecycle runs a program of services: the port of DMicro's
// DServer. The user writes sandboxes; an [App] groups them into services,
// gives its binary a command line (start, stop, reload, status, ctl,
// version, help), restarts itself in place without failing a call, runs
// as one process or as one process per service under procman, and serves
// a control socket for an operator's shell.
//
// # Sandbox, service, app
//
// A [Sandbox] has a Name, a Setup that may block serving (an rpc
// endpoint's ListenAndServe, an http.Server's Serve) and a Shutdown that
// drains it. Embedding [BaseSandbox] gives it its section of the
// configuration file, a logger, and listeners that survive a reload:
//
//	type DRpcSandBox struct {
//		lifecycle.BaseSandbox
//		endpoint *rpc.Endpoint
//	}
//
//	func (s *DRpcSandBox) Name() string { return "DRpcSandBox" }
//
//	func (s *DRpcSandBox) Setup(ctx context.Context) error {
//		cfg, err := s.EndpointConfig() // [sandbox.DRpcSandBox] of the config file
//		if err != nil {
//			return err
//		}
//		if cfg.ListenAddr == "" {
//			cfg.ListenAddr = ":9091"
//		}
//		if s.endpoint, err = rpc.NewEndpoint(cfg); err != nil {
//			return err
//		}
//		s.endpoint.Router().RouteCall(new(Math))
//		return s.endpoint.ListenAndServe()
//	}
//
//	func (s *DRpcSandBox) Shutdown(ctx context.Context) error { return s.endpoint.Shutdown(ctx) }
//
//	func main() {
//		app := lifecycle.NewApp("DMicro_drpc")
//		app.Authors = "osgochina@gmail.com"
//		if err := app.AddSandbox(new(DRpcSandBox)); err != nil {
//			log.Fatal(err)
//		}
//		os.Exit(app.Main(os.Args[1:]))
//	}
//
// [App.AddSandbox] adds to the service "default"; [App.NewService] makes
// others. Sandbox names are unique in the app. Sandboxes start in the
// order they were added, each once the one before serves, and stop in
// reverse.
//
// # Commands and exit codes
//
//	app start [-d] [--http ADDR]   run (detached with -d: pid file, log file rotated by size)
//	app stop [-timeout 30s]        stop gracefully, then by force
//	app reload                     hot restart; the old process keeps serving if it fails
//	app status [-json]             the state of the running app
//	app ctl [COMMAND]              the control shell, or one of its commands
//	app version | help
//
// Every command takes --config FILE, --env NAME (the overlay sections
// that apply), --pid FILE (default $TMPDIR/NAME.pid; the control socket
// NAME.sock is beside it), --log FILE and --debug. Exit codes: [ExitOK]
// (status: running), [ExitFailed], [ExitUsage] (bad command line or
// configuration) and [ExitNotRunning]. The configuration file is
// described in package [github.com/dmicro-go/dmicro/lifecycle/conf].
//
// # Hot restart (unix)
//
// reload, SIGHUP or SIGUSR2 starts the binary at the same path with every
// socket the app listens on passed by fd (identified by network and
// address): the sockets of endpoints built from [BaseSandbox.EndpointConfig]
// (tcp, unix, TLS), of [BaseSandbox.Listen] (a net/http server, websocket's
// HTTP listener), of transports given [BaseSandbox.Binder] (kcp and quic,
// whose UDP sockets pass as net.PacketConns), the control socket and the
// status page. The new process reports ready over a pipe once every
// sandbox serves; then the old one stops accepting, tells rpc peers it is
// going away, drains its calls within the shutdown timeout and exits, and
// the new one has already taken the pid file over (by rename). If the new
// process fails, exits or is not ready within the reload timeout, it is
// killed and the old one keeps serving; reload says why and exits 1. A
// reload while one runs is refused. The sockets are passed as they are:
// connections already accepted stay with the old process until it drains
// them, and a client connecting meanwhile is accepted by the new one. An
// address changed in the configuration is bound afresh and the old one
// closed. Elsewhere reload fails with [ErrNotSupported]. Serve net/http
// through [HTTPServer]: http.Server's own Shutdown drops a request that
// arrives on a connection accepted just before the reload.
//
// # Multi-process mode (unix)
//
// With [app] mode = multi, the process started is a master that runs no
// sandbox: it binds every sandbox's socket (the Network and ListenAddr of
// its [sandbox.NAME] section, which a sandbox must therefore declare, a
// net/http one too) and runs each service as a child process under
// procman, with its sockets inherited; procman restarts a child that
// dies, with back-off. A reload starts each service's new child, waits
// until it is ready, then stops the old one: the master keeps its pid,
// and the children run the binary found at the path. status and ctl show
// the children.
//
// # Signals
//
// [App.Main] handles the signals of the process it runs: SIGTERM and SIGINT
// stop it (a second one stops it at once, without waiting for calls in
// flight), SIGHUP and SIGUSR2 reload it. Nothing else in the package
// touches signals. Main also makes the app's logger slog's default, so
// that what handlers log with slog.Info goes to the app's log too.
//
// # Control socket and status page
//
// A running app serves dmicro rpc on a unix socket (mode 0600) beside its
// pid file: status, reload, start and stop of a sandbox or service, debug
// logging on and off, and following the log. app ctl opens a shell on it.
// With --http ADDR (off by default) it serves a status page and
// /status.json; it has no authentication, so bind it to loopback or a
// private address.
package lifecycle
