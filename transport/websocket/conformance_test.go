package websocket

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// TestConformance runs the rpc conformance suite over ws and wss, with the
// raw and json frame formats. Its ServerProcessKilled test runs this test
// again in a child process that serves one environment: the environments
// are built the same way there (rpctest.Cert is inherited).
func TestConformance(t *testing.T) {
	rpctest.RunFormats(t, rpctest.Env{
		Name: "ws", Network: "tcp",
		Server: Transport{}, Client: Transport{},
		Addr: rpctest.Loopback,
	})
	cert := rpctest.Cert()
	rpctest.RunFormats(t, rpctest.Env{
		Name: "wss", Network: "tcp",
		Server: Transport{Config: Config{TLS: cert.ServerConfig()}},
		Client: Transport{Config: Config{TLS: cert.ClientConfig()}},
		Addr:   rpctest.Loopback,
	})
}
