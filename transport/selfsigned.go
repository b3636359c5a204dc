package transport

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// SelfSigned is a self-signed certificate and a pool that trusts only it,
// for tests and example programs. It is read-only once made, so it is safe
// for concurrent use.
type SelfSigned struct {
	// Certificate is the certificate with its private key, for servers.
	Certificate tls.Certificate
	// Pool holds the certificate alone, for clients.
	Pool *x509.CertPool
}

// NewSelfSigned makes a self-signed ECDSA P-256 certificate for hosts, valid
// from 24 hours ago to one year ahead, for both server and client
// authentication. Hosts may be IP addresses or DNS names; none means
// "localhost", "127.0.0.1" and "::1".
func NewSelfSigned(hosts ...string) (*SelfSigned, error) {
	if len(hosts) == 0 {
		hosts = []string{"localhost", "127.0.0.1", "::1"}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("transport: self-signed key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("transport: self-signed serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: hosts[0], Organization: []string{"dmicro self-signed"}},
		NotBefore:    now.Add(-24 * time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},

		BasicConstraintsValid: true,
	}
	for _, h := range hosts {
		if h == "" {
			return nil, errors.New("transport: self-signed: empty host")
		}
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("transport: self-signed certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("transport: self-signed certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &SelfSigned{
		Certificate: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		Pool:        pool,
	}, nil
}

// ServerConfig returns a new server configuration with the certificate and
// TLS 1.2 as the minimum version.
func (s *SelfSigned) ServerConfig() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{s.Certificate},
		MinVersion:   tls.VersionTLS12,
	}
}

// ClientConfig returns a new client configuration that trusts only the
// certificate, with TLS 1.2 as the minimum version. ServerName is unset:
// TLS.Dial fills it in from the address.
func (s *SelfSigned) ClientConfig() *tls.Config {
	return &tls.Config{
		RootCAs:    s.Pool,
		MinVersion: tls.VersionTLS12,
	}
}

// PEM returns the certificate and its private key in PEM form, for a
// process that must serve or trust the same certificate (a child process,
// a program started later); ParseSelfSigned reads them back.
func (s *SelfSigned) PEM() (certPEM, keyPEM []byte, err error) {
	der, err := x509.MarshalPKCS8PrivateKey(s.Certificate.PrivateKey)
	if err != nil {
		return nil, nil, fmt.Errorf("transport: self-signed key: %w", err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate.Certificate[0]})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return certPEM, keyPEM, nil
}

// ParseSelfSigned makes a SelfSigned of a certificate and key in PEM form,
// as PEM returns them.
func ParseSelfSigned(certPEM, keyPEM []byte) (*SelfSigned, error) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("transport: self-signed certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	return &SelfSigned{Certificate: cert, Pool: pool}, nil
}
