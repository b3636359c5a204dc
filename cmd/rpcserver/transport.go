package main

import (
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/transport"
	"github.com/dmicro-go/dmicro/transport/kcp"
	"github.com/dmicro-go/dmicro/transport/quic"
	"github.com/dmicro-go/dmicro/transport/websocket"
)

// transport sets what the [rpcserver] section asks of cfg: the transport,
// TLS with a self-signed certificate, and WebSocket on the port that serves
// several formats. Every transport listens through s.Binder(), so that its
// sockets pass to the new process at a reload.
func (s *DRpcSandBox) transport(cfg *rpc.Config) error {
	sec := s.ConfigFile().Section("rpcserver")
	name := sec.String("transport", "tcp")
	tlsConfig := cfg.TLSConfig
	if tlsConfig == nil && (name == "tls" || name == "quic" || name == "wss") {
		certOut := sec.String("cert_out", filepath.Join(os.TempDir(), "dmicro-rpcserver.pem"))
		var err error
		if tlsConfig, err = selfSigned(certOut); err != nil {
			return err
		}
		s.Logger().Info("serving a self-signed certificate; clients trust it with -ca", "file", certOut)
	}
	b := s.Binder()
	switch name {
	case "", "tcp": // cfg.Transport already: the section's Network, with TLS if TLSCert is set
	case "unix":
		cfg.Network = "unix"
	case "tls":
		cfg.Transport = transport.TLS{Inner: transport.Net{Binder: b}, Config: tlsConfig, HandshakeTimeout: cfg.HandshakeTimeout}
	case "kcp":
		cfg.Transport = kcp.Transport{Config: kcp.Config{Binder: b}}
	case "quic":
		cfg.Transport = quic.New(quic.Config{TLS: tlsConfig, Binder: b})
	case "websocket":
		cfg.Transport = websocket.Transport{Config: websocket.Config{Binder: b}}
	case "wss":
		cfg.Transport = websocket.Transport{Config: websocket.Config{TLS: tlsConfig, Binder: b}}
	default:
		return sec.Errorf("transport", "unknown transport %q: tcp, unix, tls, kcp, quic, websocket or wss", name)
	}
	if (name == "kcp" || name == "quic") && !strings.HasPrefix(cfg.Network, "udp") {
		cfg.Network = "udp" // unless the section says udp4 or udp6
	}
	if len(cfg.Formats) > 0 && (name == "" || name == "tcp" || name == "tls") {
		up, err := websocket.NewUpgrader(websocket.Config{Logger: s.Logger()})
		if err != nil {
			return err
		}
		cfg.Upgraders = append(cfg.Upgraders, up)
	}
	return nil
}

// selfSigned returns a certificate for localhost: the one in certOut, with
// its key in certOut.key, or else a new one written there for clients to
// trust. A reload's new process so serves the certificate they trust.
func selfSigned(certOut string) (*tls.Config, error) {
	keyOut := certOut + ".key"
	certPEM, certErr := os.ReadFile(certOut)
	keyPEM, keyErr := os.ReadFile(keyOut)
	if certErr == nil && keyErr == nil {
		ss, err := transport.ParseSelfSigned(certPEM, keyPEM)
		if err == nil && time.Now().Before(ss.Certificate.Leaf.NotAfter) {
			return ss.ServerConfig(), nil
		}
	}
	ss, err := transport.NewSelfSigned()
	if err != nil {
		return nil, err
	}
	if certPEM, keyPEM, err = ss.PEM(); err != nil {
		return nil, err
	}
	if err := os.WriteFile(keyOut, keyPEM, 0o600); err != nil {
		return nil, fmt.Errorf("writing the self-signed certificate's key: %w", err)
	}
	if err := os.WriteFile(certOut, certPEM, 0o644); err != nil {
		return nil, fmt.Errorf("writing the self-signed certificate: %w", err)
	}
	return ss.ServerConfig(), nil
}
