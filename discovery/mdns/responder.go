package mdns

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/internal/dnsmsg"
)

// probe is a name being probed: the data we mean to publish, and a
// channel closed when someone else answers for it with other data.
type probe struct {
	keys     map[string]bool // recordKey of our SRV and TXT
	conflict chan struct{}
	by       string
}

// Register publishes each node of svc (RFC 6763 records, see the package
// doc): a node new to this registry is probed for first (three queries
// 250 ms apart, so Register takes about 750 ms), then announced twice, a
// second apart (the second in the background). A node already registered
// here is replaced and announced again without probing. If another
// responder answers for the instance name with other data during the
// probe, Register fails with an error wrapping ErrConflict and publishes
// nothing (no automatic rename). opts.TTL sets the record TTL (whole
// seconds, at least 1; zero means DefaultTTL): a node that vanishes
// without a goodbye drops out of browsers' caches after it.
func (r *Registry) Register(ctx context.Context, svc discovery.Service, opts discovery.RegisterOptions) error {
	if err := svc.Validate(); err != nil {
		return err
	}
	entries := make([]*entry, 0, len(svc.Nodes))
	for _, n := range svc.Nodes {
		e, err := newEntry(svc, n, opts.TTL, r.cfg.Host)
		if err != nil {
			return err
		}
		entries = append(entries, e)
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return fmt.Errorf("mdns: register %q: %w", svc.Name, discovery.ErrClosed)
	}
	var fresh []*entry
	for _, e := range entries {
		if r.local[strings.ToLower(e.instance)] == nil {
			fresh = append(fresh, e)
		}
	}
	r.mu.Unlock()
	if err := r.probe(ctx, fresh); err != nil {
		return err
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return fmt.Errorf("mdns: register %q: %w", svc.Name, discovery.ErrClosed)
	}
	for _, e := range entries {
		r.local[strings.ToLower(e.instance)] = e
	}
	r.refreshLocked(time.Now())
	r.mu.Unlock()
	r.announce(entries)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		t := time.NewTimer(announceInterval)
		defer t.Stop()
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
		}
		r.mu.Lock()
		still := entries[:0:0]
		for _, e := range entries {
			if r.local[strings.ToLower(e.instance)] == e {
				still = append(still, e)
			}
		}
		r.mu.Unlock()
		r.announce(still)
	}()
	return nil
}

// probe asks the link three times whether anyone holds the names of
// entries (RFC 6762 §8.1), with our proposed records in the authority
// section.
func (r *Registry) probe(ctx context.Context, entries []*entry) error {
	if len(entries) == 0 || len(r.socks) == 0 {
		return nil
	}
	probes := make(map[string]*probe, len(entries))
	var msg dnsmsg.Message
	for i, e := range entries {
		_, rest := e.records(nil, e.ttl)
		p := &probe{keys: map[string]bool{}, conflict: make(chan struct{})}
		for j := range rest[:2] {
			p.keys[recordKey(&rest[j])] = true
		}
		probes[strings.ToLower(e.instance)] = p
		msg.Questions = append(msg.Questions, dnsmsg.Question{Name: e.instance, Type: dnsmsg.TypeANY, Class: dnsmsg.ClassIN, Unicast: i == 0})
		msg.Authorities = append(msg.Authorities, rest[:2]...)
	}
	r.mu.Lock()
	for k, p := range probes {
		r.probing[k] = p
	}
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		for k, p := range probes {
			if r.probing[k] == p {
				delete(r.probing, k)
			}
		}
		r.mu.Unlock()
	}()
	t := time.NewTimer(0)
	defer t.Stop()
	for i := 0; i <= probeCount; i++ {
		select {
		case <-ctx.Done():
			return fmt.Errorf("mdns: probing %s: %w", entries[0].instance, ctx.Err())
		case <-r.ctx.Done():
			return fmt.Errorf("mdns: probing %s: %w", entries[0].instance, discovery.ErrClosed)
		case <-t.C:
		}
		for name, p := range probes {
			select {
			case <-p.conflict:
				return fmt.Errorf("mdns: instance %s: %w: answered by %s with other data", name, ErrConflict, p.by)
			default:
			}
		}
		if i == probeCount {
			return nil
		}
		for _, s := range r.socks {
			r.send(s, &msg, netip.AddrPort{})
		}
		t.Reset(probeInterval)
	}
	return nil
}

// checkConflicts closes the probe of a name a response answers with data
// other than ours. Called with r.mu held.
func (r *Registry) checkConflictsLocked(src netip.AddrPort, m *dnsmsg.Message) {
	if len(r.probing) == 0 {
		return
	}
	for _, sec := range [][]dnsmsg.Record{m.Answers, m.Additionals} {
		for i := range sec {
			rec := &sec[i]
			if rec.Type != dnsmsg.TypeSRV && rec.Type != dnsmsg.TypeTXT {
				continue
			}
			p := r.probing[strings.ToLower(rec.Name)]
			if p == nil || p.keys[recordKey(rec)] {
				continue
			}
			select {
			case <-p.conflict:
			default:
				p.by = src.String()
				close(p.conflict)
			}
		}
	}
}

// Deregister sends goodbyes (TTL 0) for the nodes of svc registered here
// and stops answering for them.
func (r *Registry) Deregister(ctx context.Context, svc discovery.Service) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return fmt.Errorf("mdns: deregister %q: %w", svc.Name, discovery.ErrClosed)
	}
	var gone []*entry
	for _, n := range svc.Nodes {
		k := strings.ToLower(dnsmsg.EscapeLabel(n.ID) + "." + serviceType(svc.Name))
		if e := r.local[k]; e != nil {
			gone = append(gone, e)
			delete(r.local, k)
		}
	}
	r.refreshLocked(time.Now())
	r.mu.Unlock()
	r.goodbye(gone)
	return nil
}

// announce multicasts every record of entries on every interface.
func (r *Registry) announce(entries []*entry) {
	now := time.Now()
	for _, s := range r.socks {
		for _, e := range entries {
			msg := r.entryMessage(s, e, e.ttl)
			r.mu.Lock()
			for _, sec := range [][]dnsmsg.Record{msg.Answers} {
				for i := range sec {
					r.lastSent[sentKey{s.ifi.Index, recordKey(&sec[i])}] = now
				}
			}
			r.mu.Unlock()
			r.send(s, msg, netip.AddrPort{})
		}
	}
}

// goodbye multicasts entries' records with TTL 0.
func (r *Registry) goodbye(entries []*entry) {
	for _, s := range r.socks {
		for _, e := range entries {
			r.send(s, r.entryMessage(s, e, 0), netip.AddrPort{})
		}
	}
}

func (r *Registry) entryMessage(s *ifaceSock, e *entry, ttl uint32) *dnsmsg.Message {
	r.mu.Lock()
	addrs := r.addrs[s.ifi.Index]
	r.mu.Unlock()
	ptr, rest := e.records(addrs, ttl)
	enum := dnsmsg.Record{Name: servicesEnum, Type: dnsmsg.TypePTR, Class: dnsmsg.ClassIN, TTL: ttl, Target: e.typ}
	if ttl == 0 {
		// The type's enumeration record may still stand for other nodes.
		return &dnsmsg.Message{Flags: dnsmsg.FlagResponse | dnsmsg.FlagAuthoritative, Answers: append([]dnsmsg.Record{ptr}, rest[:2]...)}
	}
	return &dnsmsg.Message{Flags: dnsmsg.FlagResponse | dnsmsg.FlagAuthoritative, Answers: append([]dnsmsg.Record{ptr, enum}, rest...)}
}
