package transport

import "errors"

// ErrUnsupportedNetwork is wrapped by the errors of Listen and Dial for a
// network name the transport does not handle, such as "udp".
var ErrUnsupportedNetwork = errors.New("transport: unsupported network")

// Errors of TLS for a configuration it cannot use.
var (
	errNoConfig      = errors.New("transport: tls: nil Config")
	errNoCertificate = errors.New("transport: tls: Config has no certificate (set Certificates, GetCertificate or GetConfigForClient)")
)
