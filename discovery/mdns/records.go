package mdns

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/internal/dnsmsg"
)

// How a discovery.Service maps to DNS-SD records (RFC 6763):
//
//	PTR _<name>._tcp.local.           -> <node id>._<name>._tcp.local.
//	SRV <node id>._<name>._tcp.local. -> port, <host>.local.
//	TXT <node id>._<name>._tcp.local. -> version=, weight=, svc:<k>=, <k>=
//	A   <host>.local.                 -> the node's IP, or the interface's
//
// plus the enumeration PTR _services._dns-sd._udp.local. -> the type.

const (
	domain       = "local."
	servicesEnum = "_services._dns-sd._udp.local."
	keyVersion   = "version"
	keyWeight    = "weight"
	svcPrefix    = "svc:"
)

func serviceType(name string) string { return "_" + dnsmsg.EscapeLabel(name) + "._tcp." + domain }

// serviceName is the inverse of serviceType: "", false for other names.
func serviceName(typ string) (string, bool) {
	label, rest := dnsmsg.FirstLabel(typ)
	if !strings.EqualFold(rest, "_tcp."+domain) || len(label) < 2 || label[0] != '_' {
		return "", false
	}
	return label[1:], true
}

// entry is one registered node: what it publishes.
type entry struct {
	svc      discovery.Service // one node
	typ      string            // _name._tcp.local.
	instance string            // <id>._name._tcp.local.
	host     string            // target of the SRV record
	addr     netip.Addr        // the node's IP; invalid: the interfaces'
	port     uint16
	text     []string
	ttl      uint32
}

// newEntry checks that node of svc can be published and builds its entry.
func newEntry(svc discovery.Service, node discovery.Node, ttl time.Duration, host string) (*entry, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("mdns: service %q node %q: %w: %s", svc.Name, node.ID, discovery.ErrInvalid, fmt.Sprintf(format, args...))
	}
	if len(svc.Name)+1 > dnsmsg.MaxLabel || len(node.ID) > dnsmsg.MaxLabel {
		return nil, bad("service name over %d or node id over %d bytes", dnsmsg.MaxLabel-1, dnsmsg.MaxLabel)
	}
	h, p, err := net.SplitHostPort(node.Address)
	if err != nil {
		return nil, bad("address %q: %v", node.Address, err)
	}
	port, err := strconv.ParseUint(p, 10, 16)
	if err != nil || port == 0 {
		return nil, bad("address %q: port is not a number in 1-65535", node.Address)
	}
	e := &entry{
		typ:  serviceType(svc.Name),
		port: uint16(port),
		host: dnsmsg.EscapeLabel(host) + "." + domain,
	}
	e.instance = dnsmsg.EscapeLabel(node.ID) + "." + e.typ
	if a, err := netip.ParseAddr(h); err == nil && !a.IsUnspecified() {
		e.addr = a.Unmap().WithZone("")
		e.host = dnsmsg.EscapeLabel(host+"-"+strings.NewReplacer(".", "-", ":", "-", "%", "-").Replace(e.addr.String())) + "." + domain
	}
	secs := ttl.Round(time.Second) / time.Second
	switch {
	case ttl == 0:
		secs = DefaultTTL / time.Second
	case secs < 1:
		secs = 1
	}
	e.ttl = uint32(secs)
	add := func(k, v string) error {
		kv := k + "=" + v
		if len(kv) > dnsmsg.MaxString {
			return fmt.Errorf("mdns: service %q node %q: metadata key %q: %w: %w: key=value is %d bytes",
				svc.Name, node.ID, k, discovery.ErrInvalid, dnsmsg.ErrStringTooLong, len(kv))
		}
		e.text = append(e.text, kv)
		return nil
	}
	if svc.Version != "" {
		if err := add(keyVersion, svc.Version); err != nil {
			return nil, err
		}
	}
	if node.Weight != 0 {
		_ = add(keyWeight, strconv.Itoa(node.Weight))
	}
	for _, k := range sortedKeys(svc.Metadata) {
		if err := add(svcPrefix+k, svc.Metadata[k]); err != nil {
			return nil, err
		}
	}
	for _, k := range sortedKeys(node.Metadata) {
		if k == "" || strings.Contains(k, "=") || k == keyVersion || k == keyWeight || strings.HasPrefix(k, svcPrefix) {
			return nil, bad("metadata key %q is empty, holds '=', or is reserved (version, weight, svc:...)", k)
		}
		if err := add(k, node.Metadata[k]); err != nil {
			return nil, err
		}
	}
	one := svc.Clone()
	one.Nodes = []discovery.Node{node}
	e.svc = one
	return e, nil
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// records returns e's records for an interface with addresses addrs, with
// TTL ttl (0 for a goodbye).
func (e *entry) records(addrs []netip.Addr, ttl uint32) (ptr dnsmsg.Record, rest []dnsmsg.Record) {
	in := dnsmsg.ClassIN
	ptr = dnsmsg.Record{Name: e.typ, Type: dnsmsg.TypePTR, Class: in, TTL: ttl, Target: e.instance}
	rest = append(rest,
		dnsmsg.Record{Name: e.instance, Type: dnsmsg.TypeSRV, Class: in, CacheFlush: true, TTL: ttl, Port: e.port, Target: e.host},
		dnsmsg.Record{Name: e.instance, Type: dnsmsg.TypeTXT, Class: in, CacheFlush: true, TTL: ttl, Text: e.text},
	)
	if e.addr.IsValid() {
		addrs = []netip.Addr{e.addr}
	}
	for _, a := range addrs {
		r := dnsmsg.Record{Name: e.host, Type: dnsmsg.TypeA, Class: in, CacheFlush: true, TTL: ttl, Addr: a}
		if a.Is6() {
			r.Type = dnsmsg.TypeAAAA
		}
		rest = append(rest, r)
	}
	return ptr, rest
}

// parseText reads TXT strings back into a service's version and
// metadata and a node's weight and metadata.
func parseText(text []string, svc *discovery.Service, node *discovery.Node) {
	for _, kv := range text {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case k == keyVersion:
			svc.Version = v
		case k == keyWeight:
			node.Weight, _ = strconv.Atoi(v)
		case strings.HasPrefix(k, svcPrefix):
			if svc.Metadata == nil {
				svc.Metadata = map[string]string{}
			}
			svc.Metadata[k[len(svcPrefix):]] = v
		case k != "":
			if node.Metadata == nil {
				node.Metadata = map[string]string{}
			}
			node.Metadata[k] = v
		}
	}
}

// recordKey identifies a record by name, type and data, for caches and
// rate limits.
func recordKey(r *dnsmsg.Record) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.Name))
	b.WriteByte(0)
	b.WriteString(strconv.Itoa(int(r.Type)))
	b.WriteByte(0)
	switch r.Type {
	case dnsmsg.TypeA, dnsmsg.TypeAAAA:
		b.WriteString(r.Addr.String())
	case dnsmsg.TypePTR:
		b.WriteString(strings.ToLower(r.Target))
	case dnsmsg.TypeSRV:
		fmt.Fprintf(&b, "%d %d %d %s", r.Priority, r.Weight, r.Port, strings.ToLower(r.Target))
	case dnsmsg.TypeTXT:
		b.WriteString(strings.Join(r.Text, "\x00"))
	}
	return b.String()
}

// rrsetKey identifies the set of records of one name and type.
func rrsetKey(name string, typ uint16) string {
	return strings.ToLower(name) + "\x00" + strconv.Itoa(int(typ))
}
