package lifecycle_test

import (
	"context"
	"fmt"

	"github.com/dmicro-go/dmicro/lifecycle"
	"github.com/dmicro-go/dmicro/rpc"
)

// DRpcSandBox is the sandbox of DMicro's README: an rpc endpoint serving
// Math, configured by [sandbox.DRpcSandBox] of the config file.
type DRpcSandBox struct {
	lifecycle.BaseSandbox
	endpoint *rpc.Endpoint
}

func (s *DRpcSandBox) Name() string { return "DRpcSandBox" }

func (s *DRpcSandBox) Setup(ctx context.Context) error {
	s.Logger().Info("DRpcSandBox Setup")
	cfg, err := s.EndpointConfig()
	if err != nil {
		return err
	}
	if cfg.ListenAddr == "" {
		cfg.ListenAddr = ":9091"
	}
	cfg.LogCalls = true
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

// Example builds the app of DMicro's README. Its main would end with
// os.Exit(app.Main(os.Args[1:])), which runs "start", "reload", "ctl"...;
// here it runs "help". A second sandbox of one name is an error.
func Example() {
	app := lifecycle.NewApp("DMicro_drpc")
	app.Authors = "osgochina@gmail.com"
	if err := app.AddSandbox(new(DRpcSandBox)); err != nil {
		fmt.Println(err)
	}
	if err := app.AddSandbox(new(DRpcSandBox)); err != nil {
		fmt.Println(err)
	}
	code := app.Main([]string{"--help"}) // the usage goes to stderr
	fmt.Println("help exits", code)
	// Output:
	// lifecycle: duplicate name: sandbox "DRpcSandBox (already in service default)"
	// help exits 0
}
