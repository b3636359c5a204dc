// Package transportflag maps the -transport flag of the example commands
// to a transport and its network, with the certificate handling that TLS,
// QUIC and wss need.
package transportflag

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/dmicro-go/dmicro/transport"
	"github.com/dmicro-go/dmicro/transport/kcp"
	"github.com/dmicro-go/dmicro/transport/quic"
	"github.com/dmicro-go/dmicro/transport/websocket"
)

// Usage describes the values the -transport flag accepts.
const Usage = "transport: tcp, unix, tls, kcp, quic, websocket or wss"

// secure reports whether the transport named name runs TLS.
func secure(name string) bool { return name == "tls" || name == "quic" || name == "wss" }

// network returns the network of the transport named name, or of the
// -network flag for tcp and tls.
func network(name, flagNetwork string) string {
	switch name {
	case "unix":
		return "unix"
	case "kcp", "quic":
		if flagNetwork == "udp4" || flagNetwork == "udp6" {
			return flagNetwork
		}
		return "udp"
	}
	if flagNetwork == "" || flagNetwork == "unix" || flagNetwork == "udp" {
		return "tcp"
	}
	return flagNetwork
}

// build makes the transport named name with tlsConfig (nil for the ones
// without TLS).
func build(name string, tlsConfig *tls.Config) (transport.Transport, error) {
	switch name {
	case "", "tcp", "unix":
		return transport.Net{}, nil
	case "tls":
		return transport.TLS{Config: tlsConfig}, nil
	case "kcp":
		return kcp.Transport{}, nil
	case "quic":
		return quic.New(quic.Config{TLS: tlsConfig}), nil
	case "websocket", "ws":
		return websocket.Transport{}, nil
	case "wss":
		return websocket.Transport{Config: websocket.Config{TLS: tlsConfig}}, nil
	}
	return nil, fmt.Errorf("unknown -transport %q (%s)", name, Usage)
}

// Server returns the transport named name for a server, and its network.
// A transport with TLS serves the certificate and key in certFile and
// keyFile; without them it makes a self-signed certificate for localhost
// and writes it, in PEM, to certOut, for clients to trust (rpcclient -ca).
func Server(name, flagNetwork, certFile, keyFile, certOut string, log *slog.Logger) (transport.Transport, string, error) {
	var cfg *tls.Config
	if secure(name) {
		switch {
		case certFile != "" && keyFile != "":
			cert, err := tls.LoadX509KeyPair(certFile, keyFile)
			if err != nil {
				return nil, "", err
			}
			cfg = &tls.Config{Certificates: []tls.Certificate{cert}}
		case certFile != "" || keyFile != "":
			return nil, "", errors.New("-cert and -key go together")
		default:
			ss, err := transport.NewSelfSigned()
			if err != nil {
				return nil, "", err
			}
			certPEM, _, err := ss.PEM()
			if err != nil {
				return nil, "", err
			}
			if err := os.WriteFile(certOut, certPEM, 0o644); err != nil {
				return nil, "", fmt.Errorf("writing the self-signed certificate: %w", err)
			}
			log.Info("serving a self-signed certificate; clients trust it with -ca", "file", certOut)
			cfg = ss.ServerConfig()
		}
	}
	tr, err := build(name, cfg)
	return tr, network(name, flagNetwork), err
}

// Upgraders returns the upgraders of a server of the transport named name
// that serves every frame format on one port (-wire auto): over tcp and
// tls, the WebSocket upgrader on the default path "/", so that the same
// port serves ws:// (wss:// over tls) clients, such as rpcclient
// -transport websocket and browsers with dmicro.js. The other transports
// get none: websocket and wss are WebSocket already, and unix, kcp and quic
// are no transports of WebSocket clients.
func Upgraders(name string, log *slog.Logger) ([]transport.Upgrader, error) {
	switch name {
	case "", "tcp", "tls":
		up, err := websocket.NewUpgrader(websocket.Config{Logger: log})
		if err != nil {
			return nil, err
		}
		return []transport.Upgrader{up}, nil
	}
	return nil, nil
}

// Client returns the transport named name for a client, and its network.
// A transport with TLS trusts the certificates in caFile (the server's
// self-signed one, say), or the system's roots when caFile is empty.
func Client(name, flagNetwork, caFile string) (transport.Transport, string, error) {
	var cfg *tls.Config
	if secure(name) {
		cfg = &tls.Config{}
		if caFile != "" {
			pem, err := os.ReadFile(caFile)
			if err != nil {
				return nil, "", err
			}
			cfg.RootCAs = x509.NewCertPool()
			if !cfg.RootCAs.AppendCertsFromPEM(pem) {
				return nil, "", fmt.Errorf("%s holds no PEM certificate", caFile)
			}
		}
	}
	tr, err := build(name, cfg)
	return tr, network(name, flagNetwork), err
}
