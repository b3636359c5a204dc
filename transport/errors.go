package transport

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrUnsupportedNetwork is wrapped by the errors of Listen and Dial for a
// network name the transport does not handle, such as "udp".
var ErrUnsupportedNetwork = errors.New("transport: unsupported network")

// Errors of TLS for a configuration it cannot use.
var (
	errNoConfig      = errors.New("transport: tls: nil Config")
	errNoCertificate = errors.New("transport: tls: Config has no certificate (set Certificates, GetCertificate or GetConfigForClient)")
)

// CheckNetwork returns nil when network is one of allowed, and otherwise an
// error wrapping ErrUnsupportedNetwork that lists them: the check every
// transport's Listen and Dial make first.
func CheckNetwork(network string, allowed ...string) error {
	if slices.Contains(allowed, network) {
		return nil
	}
	return fmt.Errorf("%w %q (want %s)", ErrUnsupportedNetwork, network, strings.Join(allowed, ", "))
}
