package etcd

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
)

// DefaultPrefix is the key prefix when Config.Prefix is empty.
const DefaultPrefix = "/dmicro/registry"

// DefaultTTL is the lease TTL when RegisterOptions.TTL is zero.
const DefaultTTL = 15 * time.Second

// Config configures a Registry. The zero value talks to
// http://127.0.0.1:2379 without auth.
type Config struct {
	// Endpoints are the members' client URLs ("http://host:2379") or
	// "host:port" (http, or https when TLS is set). A call goes to the
	// endpoint that answered last and fails over to the next on a
	// connection error, a timeout or a 5xx answer. Default 127.0.0.1:2379.
	Endpoints []string
	// Prefix is where the keys live (see the package docs for the layout).
	// Default DefaultPrefix.
	Prefix string
	// TLS, when set, is used for https endpoints.
	TLS *tls.Config
	// Username and Password, when Username is set, authenticate at
	// /v3/auth/authenticate; the token is sent in the Authorization header
	// and renewed when etcd says it is invalid.
	Username string
	Password string
	// RequestTimeout bounds one request to one endpoint. Default 5 s.
	RequestTimeout time.Duration
	// Logger receives one line per change of state (etcd unreachable,
	// reachable again, lease lost). Default slog.Default().
	Logger *slog.Logger
}

func (c Config) prefix() string {
	p := strings.TrimRight(c.Prefix, "/")
	if p == "" {
		p = DefaultPrefix
	}
	return p
}

// Key returns the key under which node id of version of service is
// stored: Prefix/service/version/id, the version path-escaped (it may be
// empty or hold a '/').
func (c Config) Key(service, version, id string) string {
	return c.prefix() + "/" + service + "/" + url.PathEscape(version) + "/" + id
}

// record is the JSON value stored at a node's key.
type record struct {
	Name     string            `json:"name"`
	Version  string            `json:"version,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
	Node     discovery.Node    `json:"node"`
}

func (r record) service() discovery.Service {
	return discovery.Service{Name: r.Name, Version: r.Version, Metadata: r.Metadata, Nodes: []discovery.Node{r.Node}}
}

// decodeRecord decodes the value at key.
func decodeRecord(key string, value []byte) (record, error) {
	var r record
	if err := json.Unmarshal(value, &r); err != nil {
		return record{}, fmt.Errorf("%w: value at %q: %v", ErrGateway, key, err)
	}
	if r.Name == "" || r.Node.ID == "" {
		return record{}, fmt.Errorf("%w: value at %q: no service name or node id", ErrGateway, key)
	}
	return r, nil
}

// recordFromKey rebuilds what the key says (service, version, node id)
// when the value is gone.
func (c Config) recordFromKey(key string) (record, bool) {
	rest, ok := strings.CutPrefix(key, c.prefix()+"/")
	if !ok {
		return record{}, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 {
		return record{}, false
	}
	v, err := url.PathUnescape(parts[1])
	if err != nil {
		return record{}, false
	}
	return record{Name: parts[0], Version: v, Node: discovery.Node{ID: parts[2]}}, true
}
