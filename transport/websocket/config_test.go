package websocket

import (
	"crypto/tls"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"zero", Config{}, true},
		{"everything set", Config{Path: "/rpc", OriginPatterns: []string{"*.example.com"}, MaxMessageSize: 1 << 20, HandshakeTimeout: time.Second, CloseTimeout: time.Second}, true},
		{"no message limit", Config{MaxMessageSize: -1}, true},
		{"relative path", Config{Path: "rpc"}, false},
		{"bad origin pattern", Config{OriginPatterns: []string{"[a-"}}, false},
		{"negative HandshakeTimeout", Config{HandshakeTimeout: -time.Second}, false},
		{"negative CloseTimeout", Config{CloseTimeout: -time.Second}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.ok && err != nil {
				t.Errorf("Validate: %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrConfig) {
				t.Errorf("Validate: %v, want an error wrapping ErrConfig", err)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	s, err := Config{}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if s.Path != DefaultPath || s.MaxMessageSize != DefaultMaxMessageSize ||
		s.HandshakeTimeout != DefaultHandshakeTimeout || s.CloseTimeout != DefaultCloseTimeout {
		t.Errorf("defaults %+v", s.Config)
	}
	if s.readLimit() != DefaultMaxMessageSize {
		t.Errorf("read limit %d", s.readLimit())
	}
	if s, _ := (Config{MaxMessageSize: -5}).resolve(); s.readLimit() != -1 {
		t.Errorf("read limit %d for no limit, want -1", s.readLimit())
	}
}

func TestDefaultConfigAndClone(t *testing.T) {
	def := DefaultConfig()
	s, err := Config{}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if def.Path != s.Path || def.MaxMessageSize != s.MaxMessageSize || def.HandshakeTimeout != s.HandshakeTimeout || def.CloseTimeout != s.CloseTimeout {
		t.Errorf("DefaultConfig %+v differs from the zero Config's defaults %+v", def, s.Config)
	}

	orig := Config{
		OriginPatterns: []string{"a.example"},
		Header:         http.Header{"X": {"1"}},
		TLS:            &tls.Config{ServerName: "a"},
	}
	c := orig.Clone()
	c.OriginPatterns[0] = "b.example"
	c.Header.Set("X", "2")
	c.TLS.ServerName = "b"
	if orig.OriginPatterns[0] != "a.example" || orig.Header.Get("X") != "1" || orig.TLS.ServerName != "a" {
		t.Error("changing the clone changed the original")
	}
}
