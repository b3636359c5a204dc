package rpctest

import (
	"fmt"
	"os"
	"sync"

	"github.com/dmicro-go/dmicro/transport"
)

// Environment variables that carry the suite's certificate to a child
// server process (see ServerProcessKilled), so that the parent's clients
// trust the child's server.
const (
	certEnv = "DMICRO_RPCTEST_CERT"
	keyEnv  = "DMICRO_RPCTEST_KEY"
)

var (
	certOnce sync.Once
	cert     *transport.SelfSigned
)

// Cert returns the self-signed certificate for localhost, 127.0.0.1 and
// ::1 that every environment of the suite uses, made once per test
// process; a child server process inherits its parent's. A transport that
// needs a certificate (TLS, QUIC, wss) serves it and trusts its Pool.
func Cert() *transport.SelfSigned {
	certOnce.Do(func() {
		var err error
		if c, k := os.Getenv(certEnv), os.Getenv(keyEnv); c != "" && k != "" {
			cert, err = transport.ParseSelfSigned([]byte(c), []byte(k))
		} else {
			cert, err = transport.NewSelfSigned()
		}
		if err != nil {
			panic(fmt.Sprintf("rpctest: certificate: %v", err))
		}
	})
	return cert
}

// certEnviron returns the environment entries that hand Cert to a child.
func certEnviron() ([]string, error) {
	c, k, err := Cert().PEM()
	if err != nil {
		return nil, err
	}
	return []string{certEnv + "=" + string(c), keyEnv + "=" + string(k)}, nil
}
