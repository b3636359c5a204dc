//go:build !unix

package kcp

import (
	"errors"
	"net"
)

// setDSCP is not supported outside unix systems.
func setDSCP(*net.UDPConn, int) error {
	return errors.New("transport/kcp: DSCP is supported on unix systems only")
}
