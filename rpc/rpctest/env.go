package rpctest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/transport"
)

// Env says how the suite makes endpoints that talk to each other.
type Env struct {
	// Name names the environment in test output.
	Name string
	// Network is passed to the transports ("tcp", "unix", ...).
	Network string
	// Server and Client are the transports of the two sides.
	Server, Client transport.Transport
	// Addr returns a fresh address to listen on for one test.
	Addr func(t testing.TB) string
	// Format is the frame format; nil means raw.
	Format wire.Format
	// Lacks maps the name of a conformance test whose subject the format
	// cannot carry to the reason ("JSON-RPC has no cancel message"); Run
	// skips those tests with the reason.
	Lacks map[string]string
}

// config returns a Config for this environment with base's other fields.
func (e Env) config(base rpc.Config, server bool) rpc.Config {
	base.Network = e.Network
	base.Format = e.Format
	base.Transport = e.Client
	if server {
		base.Transport = e.Server
	}
	return base
}

// Loopback returns "127.0.0.1:0": a fresh port on loopback, for the Addr
// of transports over TCP or UDP.
func Loopback(testing.TB) string { return "127.0.0.1:0" }

// TCP is loopback TCP.
func TCP() Env {
	return Env{
		Name: "tcp", Network: "tcp",
		Server: transport.Net{}, Client: transport.Net{},
		Addr: Loopback,
	}
}

// Unix is a unix socket in the test's temporary directory.
func Unix() Env {
	return Env{
		Name: "unix", Network: "unix",
		Server: transport.Net{}, Client: transport.Net{},
		Addr: func(t testing.TB) string { return unixPath(t) },
	}
}

// unixPath returns a short socket path: unix socket paths are limited to
// about 100 bytes, and t.TempDir can be longer.
func unixPath(t testing.TB) string {
	dir, err := os.MkdirTemp("", "rpct")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "s.sock")
}

// TLS runs inner's transports under TLS with the suite's certificate
// (see Cert).
func TLS(inner Env) Env {
	ss := Cert()
	client := ss.ClientConfig()
	client.ServerName = "localhost" // unix addresses carry no host name
	inner.Name = inner.Name + "+tls"
	inner.Server = transport.TLS{Inner: inner.Server, Config: ss.ServerConfig()}
	inner.Client = transport.TLS{Inner: inner.Client, Config: client}
	return inner
}
