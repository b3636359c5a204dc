package kcp_test

import (
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/transport/kcp"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// testConfig keeps the suite quick: a vanished peer is noticed in three
// seconds, and a dial to nobody gives up in three — not one, which a
// loaded CI machine (the race detector, other packages' tests) passed.
var testConfig = kcp.Config{KeepAlive: 200 * time.Millisecond, PeerTimeout: 3 * time.Second, HandshakeTimeout: 3 * time.Second}

// TestConformance runs the rpc conformance suite over KCP, with raw and
// json frames, plain and with AES-GCM and FEC.
func TestConformance(t *testing.T) {
	tr := kcp.Transport{Config: testConfig}
	rpctest.RunFormats(t, rpctest.Env{Name: "kcp", Network: "udp", Server: tr, Client: tr, Addr: rpctest.Loopback})
	sealed := testConfig
	sealed.Crypt, sealed.Key = "aes-gcm", []byte("0123456789abcdef0123456789abcdef")
	sealed.DataShards, sealed.ParityShards = 10, 3
	tr = kcp.Transport{Config: sealed}
	rpctest.Run(t, rpctest.Env{Name: "kcp+aes-gcm+fec", Network: "udp", Server: tr, Client: tr, Addr: rpctest.Loopback})
}
