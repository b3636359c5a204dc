package quic

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
)

func TestConfigErrors(t *testing.T) {
	leakcheck.Check(t)
	cert := newSelfSigned(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		cfg    Config
		listen string // the error of Listen should contain it
		dial   string // the error of Dial should contain it; empty: Dial is not tried
	}{
		{"nil TLS", Config{}, "nil Config.TLS", "nil Config.TLS"},
		{"no certificate", Config{TLS: cert.ClientConfig()}, "no certificate", ""},
		{"negative MaxIdleTimeout", Config{TLS: cert.ServerConfig(), MaxIdleTimeout: -1}, "MaxIdleTimeout", "MaxIdleTimeout"},
		{"negative HandshakeIdleTimeout", Config{TLS: cert.ServerConfig(), HandshakeIdleTimeout: -time.Second}, "HandshakeIdleTimeout", "HandshakeIdleTimeout"},
		{"negative Linger", Config{TLS: cert.ServerConfig(), Linger: -time.Second}, "Linger", "Linger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := New(tt.cfg)
			ln, err := tr.Listen(ctx, "udp", "127.0.0.1:0")
			if err == nil {
				ln.Close()
				t.Fatal("Listen succeeded")
			}
			if !strings.HasPrefix(err.Error(), "transport/quic: ") || !strings.Contains(err.Error(), tt.listen) {
				t.Errorf("Listen: error %q, want one about %q", err, tt.listen)
			}
			if tt.dial == "" {
				return
			}
			c, err := tr.Dial(ctx, "udp", "127.0.0.1:1")
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded")
			}
			if !strings.HasPrefix(err.Error(), "transport/quic: ") || !strings.Contains(err.Error(), tt.dial) {
				t.Errorf("Dial: error %q, want one about %q", err, tt.dial)
			}
		})
	}
	t.Run("negative KeepAlivePeriod turns keep-alives off", func(t *testing.T) {
		cfg := Config{TLS: cert.ServerConfig(), KeepAlivePeriod: -1}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("Validate: %v", err)
		}
		if qc := cfg.quicConfig(true); qc.KeepAlivePeriod != 0 {
			t.Errorf("KeepAlivePeriod %v, want 0 (off)", qc.KeepAlivePeriod)
		}
	})
}

func TestDefaults(t *testing.T) {
	cfg := Config{TLS: &tls.Config{}}
	qc := cfg.quicConfig(false)
	if qc.KeepAlivePeriod != DefaultKeepAlivePeriod || qc.MaxIdleTimeout != DefaultMaxIdleTimeout ||
		qc.HandshakeIdleTimeout != DefaultHandshakeIdleTimeout || qc.Allow0RTT {
		t.Errorf("client quic config %+v, want the documented defaults and no 0-RTT", qc)
	}
	if cfg.linger() != DefaultLinger {
		t.Errorf("linger %v, want %v", cfg.linger(), DefaultLinger)
	}
	if sc := cfg.quicConfig(true); sc.MaxIncomingStreams != 1 || sc.MaxIncomingUniStreams >= 0 || sc.Allow0RTT {
		t.Errorf("server quic config %+v, want one stream, no unidirectional ones, no 0-RTT", sc)
	}
	tlsConf := cfg.clientTLS("127.0.0.1:9", nil)
	if tlsConf.ServerName != "127.0.0.1" || len(tlsConf.NextProtos) != 1 || tlsConf.NextProtos[0] != NextProto ||
		tlsConf.MinVersion != tls.VersionTLS13 {
		t.Errorf("client TLS: ServerName %q, NextProtos %q, MinVersion %#x", tlsConf.ServerName, tlsConf.NextProtos, tlsConf.MinVersion)
	}
	if cfg.TLS.ServerName != "" || cfg.TLS.NextProtos != nil {
		t.Error("clientTLS modified Config.TLS")
	}
}
