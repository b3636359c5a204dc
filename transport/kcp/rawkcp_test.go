package kcp_test

import (
	kcpgo "github.com/xtaci/kcp-go/v5"
)

// dialRawKCP dials addr with kcp-go alone: KCP without the session layer.
func dialRawKCP(addr string) (*kcpgo.UDPSession, error) {
	return kcpgo.DialWithOptions(addr, nil, 0, 0)
}
