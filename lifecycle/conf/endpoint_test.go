package conf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire"
	wirehttp "github.com/dmicro-go/dmicro/rpc/wire/http"
	wirejson "github.com/dmicro-go/dmicro/rpc/wire/json"
	"github.com/dmicro-go/dmicro/rpc/wire/jsonrpc"
	"github.com/dmicro-go/dmicro/rpc/wire/pb"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
)

// endpoint returns the Endpoint of [sandbox.s] in text.
func endpoint(t *testing.T, text string) (rpc.Config, error) {
	t.Helper()
	f, err := Parse("t.conf", []byte("[sandbox.s]\n"+text), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return f.Sandbox("s").Endpoint()
}

func TestEndpointKeys(t *testing.T) {
	t.Parallel()
	httpFormat := wirehttp.Format{JSONRPCPath: "/jsonrpc", JSONRPC: jsonrpc.Format{}}
	tests := []struct {
		line string
		want rpc.Config
	}{
		{"", rpc.Config{}},
		{"Network = unix", rpc.Config{Network: "unix"}},
		{"ListenAddr = :9091", rpc.Config{ListenAddr: ":9091"}},
		{"listen_addr = 127.0.0.1:1", rpc.Config{ListenAddr: "127.0.0.1:1"}},
		{"DialTimeout = 3s", rpc.Config{DialTimeout: 3 * time.Second}},
		{"HandshakeTimeout = 4s", rpc.Config{HandshakeTimeout: 4 * time.Second}},
		{"FirstFrameTimeout = -1s", rpc.Config{FirstFrameTimeout: -time.Second}},
		{"WriteTimeout = 5s", rpc.Config{WriteTimeout: 5 * time.Second}},
		{"IdleTimeout = 1m", rpc.Config{IdleTimeout: time.Minute}},
		{"ReadTimeout = 30s", rpc.Config{ReadTimeout: 30 * time.Second}},
		{"RedialAttempts = -1", rpc.Config{Redial: rpc.RedialPolicy{Attempts: -1}}},
		{"RedialMinDelay = 50ms", rpc.Config{Redial: rpc.RedialPolicy{MinDelay: 50 * time.Millisecond}}},
		{"RedialMaxDelay = 20s", rpc.Config{Redial: rpc.RedialPolicy{MaxDelay: 20 * time.Second}}},
		{"RedialMultiplier = 2.5", rpc.Config{Redial: rpc.RedialPolicy{Multiplier: 2.5}}},
		{"RedialJitter = 0.1", rpc.Config{Redial: rpc.RedialPolicy{Jitter: 0.1}}},
		{"RedialStableAfter = 2s", rpc.Config{Redial: rpc.RedialPolicy{StableAfter: 2 * time.Second}}},
		{"DefaultCodec = protobuf", rpc.Config{DefaultCodec: "protobuf"}},
		{"Format = raw", rpc.Config{Format: raw.Format{}}},
		{"Format = json", rpc.Config{Format: wirejson.Format{}}},
		{"Format = pb", rpc.Config{Format: pb.Format{}}},
		{"Format = http", rpc.Config{Format: httpFormat}},
		{"Format = jsonrpc", rpc.Config{Format: jsonrpc.Format{}}},
		{"Formats = raw, json, pb, http, jsonrpc", rpc.Config{Formats: []wire.Format{raw.Format{}, wirejson.Format{}, pb.Format{}, httpFormat, jsonrpc.Format{}}}},
		{"DefaultFilters = gzip, md5", rpc.Config{DefaultFilters: []string{"gzip", "md5"}}},
		{"MaxMessageSize = 8MiB", rpc.Config{MaxMessageSize: 8 << 20}},
		{"MemoryBudget = 1GB", rpc.Config{MemoryBudget: 1_000_000_000}},
		{"MemoryBudget = -1", rpc.Config{MemoryBudget: -1}},
		{"MaxMetadataPairs = 10", rpc.Config{MaxMetadataPairs: 10}},
		{"MaxMetadataBytes = 16KiB", rpc.Config{MaxMetadataBytes: 16 << 10}},
		{"MaxHandlers = 100", rpc.Config{MaxHandlers: 100}},
		{"MaxQueuedHandlers = 200", rpc.Config{MaxQueuedHandlers: 200}},
		{"MaxSessionHandlers = 10", rpc.Config{MaxSessionHandlers: 10}},
		{"MaxSessionQueuedHandlers = 20", rpc.Config{MaxSessionQueuedHandlers: 20}},
		{"MaxConns = -1", rpc.Config{MaxConns: -1}},
		{"MaxConnsPerPeer = 8", rpc.Config{MaxConnsPerPeer: 8}},
		{"LogCalls = yes", rpc.Config{LogCalls: true}},
		{"LogMetaValues = on", rpc.Config{LogMetaValues: true}},
		{"SlowCallThreshold = 250ms", rpc.Config{SlowCallThreshold: 250 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, err := endpoint(t, tt.line+"\n")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestEndpointErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		kind       error
		where      string
		part       string
	}{
		{"jitter over 1", "RedialJitter = 2\n", ErrBadValue, "conf: t.conf:1: ", "[sandbox.s]: rpc: config: Redial.Jitter 2 is above 1"},
		{"tiny message size", "MaxMessageSize = 10\n", ErrBadValue, "conf: t.conf:1: ", "MaxMessageSize 10 is below 64 bytes"},
		{"missing files", "TLSCert = /nonexistent/c.pem\nTLSKey = /nonexistent/k.pem\n", ErrBadValue, `conf: t.conf:2: key "TLSCert": `, "loading TLSCert and TLSKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := endpoint(t, tt.text)
			checkErr(t, err, tt.part, tt.kind, tt.where)
		})
	}
	_, err := endpoint(t, "TLSCert = /nonexistent/c.pem\nTLSKey = /nonexistent/k.pem\n")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist in its chain", err)
	}
	// A user section is checked when it is used as an endpoint.
	f, err := Parse("t.conf", []byte("[client]\nListenAddr = :1\nColour = red\nFormat = xml\n"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Section("client").Endpoint()
	checkErr(t, err, "unknown key in [client]", ErrUnknownKey, `conf: t.conf:3: key "Colour": `)
	checkErr(t, err, "the format is", ErrBadValue, `conf: t.conf:4: key "Format": `)
}

func TestEndpointTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	cfg, err := endpoint(t, "TLSCert = "+cert+"\nTLSKey = "+key+"\n")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLSConfig == nil || len(cfg.TLSConfig.Certificates) != 1 || cfg.TLSConfig.Certificates[0].Leaf.Subject.CommonName != "conf test" {
		t.Errorf("TLSConfig = %+v", cfg.TLSConfig)
	}
	// The key of another certificate does not do.
	_, otherKey := writeCert(t, t.TempDir())
	_, err = endpoint(t, "TLSCert = "+cert+"\nTLSKey = "+otherKey+"\n")
	checkErr(t, err, "private key does not match public key", ErrBadValue, `conf: t.conf:2: key "TLSCert": loading TLSCert and TLSKey`)
}

// writeCert writes a self-signed certificate and its key into dir and
// returns their paths.
func writeCert(t *testing.T, dir string) (cert, key string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "conf test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for path, block := range map[string]*pem.Block{cert: {Type: "CERTIFICATE", Bytes: der}, key: {Type: "PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return cert, key
}

// TestEndpointKnowsEveryKey checks that the sandbox keys are exactly those
// the endpoint test sets, so that a key added to one is added to the other.
func TestEndpointKnowsEveryKey(t *testing.T) {
	t.Parallel()
	var names []string
	structFields(reflect.TypeFor[endpointKeys](), nil, make(map[string]field), &names)
	want := "Network ListenAddr DialTimeout HandshakeTimeout FirstFrameTimeout WriteTimeout IdleTimeout ReadTimeout " +
		"RedialAttempts RedialMinDelay RedialMaxDelay RedialMultiplier RedialJitter RedialStableAfter " +
		"DefaultCodec Format Formats DefaultFilters MaxMessageSize MemoryBudget MaxMetadataPairs MaxMetadataBytes " +
		"MaxHandlers MaxQueuedHandlers MaxSessionHandlers MaxSessionQueuedHandlers MaxConns MaxConnsPerPeer " +
		"LogCalls LogMetaValues SlowCallThreshold TLSCert TLSKey"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("keys\n%s\nwant\n%s", got, want)
	}
}
