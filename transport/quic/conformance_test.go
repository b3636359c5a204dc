package quic

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// TestConformance runs the rpc conformance suite over QUIC with raw and
// json frames. The short keep-alive and idle timeout of testConfig let the
// suite's killed server process be noticed quickly. The suite re-runs this
// test in a child server process, which builds the same environment with
// the certificate it inherits through rpctest.Cert.
func TestConformance(t *testing.T) {
	srvTLS := rpctest.Cert().ServerConfig()
	srvTLS.NextProtos = []string{NextProto}
	cliTLS := rpctest.Cert().ClientConfig()
	cliTLS.ServerName = "127.0.0.1"
	srv, cli := New(testConfig(srvTLS)), New(testConfig(cliTLS))
	rpctest.RunFormats(t, rpctest.Env{Name: "quic", Network: "udp", Server: srv, Client: cli, Addr: rpctest.Loopback})
}
