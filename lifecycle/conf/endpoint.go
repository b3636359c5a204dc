package conf

import (
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/wire"
	wirehttp "github.com/dmicro-go/dmicro/rpc/wire/http"
	wirejson "github.com/dmicro-go/dmicro/rpc/wire/json"
	"github.com/dmicro-go/dmicro/rpc/wire/jsonrpc"
	"github.com/dmicro-go/dmicro/rpc/wire/pb"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
)

// endpointKeys are the keys of a [sandbox.NAME] section, as Decode reads
// them; Endpoint maps them onto an rpc.Config.
type endpointKeys struct {
	Network    string
	ListenAddr string

	DialTimeout       time.Duration
	HandshakeTimeout  time.Duration
	FirstFrameTimeout time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ReadTimeout       time.Duration

	RedialAttempts    int
	RedialMinDelay    time.Duration
	RedialMaxDelay    time.Duration
	RedialMultiplier  float64
	RedialJitter      float64
	RedialStableAfter time.Duration

	DefaultCodec   string
	Format         string
	Formats        []string
	DefaultFilters []string

	MaxMessageSize   int   `conf:",size"`
	MemoryBudget     int64 `conf:",size"`
	MaxMetadataPairs int
	MaxMetadataBytes int `conf:",size"`

	MaxHandlers              int
	MaxQueuedHandlers        int
	MaxSessionHandlers       int
	MaxSessionQueuedHandlers int
	MaxConns                 int
	MaxConnsPerPeer          int

	LogCalls          bool
	LogMetaValues     bool
	SlowCallThreshold time.Duration

	TLSCert string
	TLSKey  string
}

// JSONRPCPath is the path on which the "http" format carries JSON-RPC 2.0,
// as the example commands' -wire flag sets it up.
const JSONRPCPath = "/jsonrpc"

// formatNames are the names the Format and Formats keys take.
const formatNames = "raw, json, pb, http or jsonrpc"

// format returns the frame format named name.
func format(name string) (wire.Format, bool) {
	switch name {
	case "raw":
		return raw.Format{}, true
	case "json":
		return wirejson.Format{}, true
	case "pb":
		return pb.Format{}, true
	case "http":
		return wirehttp.Format{JSONRPCPath: JSONRPCPath, JSONRPC: jsonrpc.Format{}}, true
	case "jsonrpc":
		return jsonrpc.Format{}, true
	}
	return nil, false
}

// checkSandbox reports the faults of a [sandbox.NAME] section or overlay:
// unknown keys, bad values and unknown format names.
func checkSandbox(s *Section) (endpointKeys, []error) {
	var k endpointKeys
	errs := s.decode(&k)
	if e, ok := s.scalar("Format"); ok {
		if _, known := format(e.value); !known {
			errs = append(errs, s.bad(e, "the format is "+formatNames, nil))
		}
	}
	if e, ok := s.lookup("Formats"); ok {
		for _, name := range parseList(e.value) {
			if _, known := format(name); !known {
				errs = append(errs, s.bad(e, fmt.Sprintf("format %q: a format is %s", name, formatNames), nil))
				break
			}
		}
	}
	return k, errs
}

// checkTLS reports a TLSCert without a TLSKey, or the other way round.
func checkTLS(s *Section) error {
	cert, hasCert := s.scalar("TLSCert")
	key, hasKey := s.scalar("TLSKey")
	switch {
	case hasCert && !hasKey:
		return errorAt(cert.src, s.name, cert.key, ErrBadValue, "TLSCert needs TLSKey, the file of its private key")
	case hasKey && !hasCert:
		return errorAt(key.src, s.name, key.key, ErrBadValue, "TLSKey needs TLSCert, the file of its certificate")
	}
	return nil
}

// Endpoint maps the section, normally a [sandbox.NAME] one, onto an
// rpc.Config. Each key sets the Config field of its name (Redial* set
// Redial's fields: RedialMinDelay is Redial.MinDelay), and a key that is
// absent leaves the zero value, which rpc replaces with its default.
// Format and Formats name frame formats: raw, json, pb, http (with
// JSON-RPC 2.0 on the path [JSONRPCPath]) or jsonrpc. TLSCert and TLSKey
// are the paths of a PEM certificate chain and its private key, read now
// into the Config's TLSConfig.
//
// Endpoint fails, with [*Error]s, on an unknown key, a bad value, a
// certificate that cannot be loaded, or a Config that rpc.Config.Validate
// refuses (located at the section's header).
func (s *Section) Endpoint() (rpc.Config, error) {
	k, errs := checkSandbox(s)
	if len(errs) > 0 {
		return rpc.Config{}, errors.Join(errs...)
	}
	cfg := rpc.Config{
		Network:           k.Network,
		ListenAddr:        k.ListenAddr,
		DialTimeout:       k.DialTimeout,
		HandshakeTimeout:  k.HandshakeTimeout,
		FirstFrameTimeout: k.FirstFrameTimeout,
		WriteTimeout:      k.WriteTimeout,
		IdleTimeout:       k.IdleTimeout,
		ReadTimeout:       k.ReadTimeout,
		Redial: rpc.RedialPolicy{
			Attempts:    k.RedialAttempts,
			MinDelay:    k.RedialMinDelay,
			MaxDelay:    k.RedialMaxDelay,
			Multiplier:  k.RedialMultiplier,
			Jitter:      k.RedialJitter,
			StableAfter: k.RedialStableAfter,
		},
		DefaultCodec:             k.DefaultCodec,
		DefaultFilters:           k.DefaultFilters,
		MaxMessageSize:           k.MaxMessageSize,
		MemoryBudget:             k.MemoryBudget,
		MaxMetadataPairs:         k.MaxMetadataPairs,
		MaxMetadataBytes:         k.MaxMetadataBytes,
		MaxHandlers:              k.MaxHandlers,
		MaxQueuedHandlers:        k.MaxQueuedHandlers,
		MaxSessionHandlers:       k.MaxSessionHandlers,
		MaxSessionQueuedHandlers: k.MaxSessionQueuedHandlers,
		MaxConns:                 k.MaxConns,
		MaxConnsPerPeer:          k.MaxConnsPerPeer,
		LogCalls:                 k.LogCalls,
		LogMetaValues:            k.LogMetaValues,
		SlowCallThreshold:        k.SlowCallThreshold,
	}
	if k.Format != "" {
		cfg.Format, _ = format(k.Format)
	}
	for _, name := range k.Formats {
		f, _ := format(name)
		cfg.Formats = append(cfg.Formats, f)
	}
	if err := checkTLS(s); err != nil {
		return rpc.Config{}, err
	}
	if k.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(k.TLSCert, k.TLSKey)
		if err != nil {
			e, _ := s.lookup("TLSCert")
			return rpc.Config{}, errorAt(e.src, s.name, e.key, ErrBadValue, "loading TLSCert and TLSKey: "+err.Error()).wrap(err)
		}
		cfg.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	if err := cfg.Validate(); err != nil {
		return rpc.Config{}, errorAt(s.src, s.name, "", ErrBadValue, "["+s.name+"]: "+err.Error()).wrap(err)
	}
	return cfg, nil
}
