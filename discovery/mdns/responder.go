package mdns

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/internal/dnsmsg"
)

// probe is a name being probed: the data we mean to publish, a channel
// closed when someone else answers for it with other data, and one told
// when a simultaneous probe for it wins the tie-break.
type probe struct {
	keys     map[string]bool // recordKey of our SRV and TXT
	auth     []dnsmsg.Record // our SRV and TXT, as the probe's authority section
	conflict chan struct{}
	by       string
	lost     chan struct{} // buffered: a probe from elsewhere won the tie-break
}

// Probe tie-breaking (RFC 6762 §8.2): the loser waits a second and probes
// again; after maxTieBreaks losses in a row it gives up with ErrConflict.
const (
	tieBreakWait = time.Second
	maxTieBreaks = 10
)

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
// section. A response with other data for a name is a conflict; a
// simultaneous probe from elsewhere whose records sort after ours makes
// us wait a second and start again (§8.2): by then the winner has
// announced, and its announcement is the conflict.
func (r *Registry) probe(ctx context.Context, entries []*entry) error {
	if len(entries) == 0 || len(r.socks) == 0 {
		return nil
	}
	probes := make(map[string]*probe, len(entries))
	var msg dnsmsg.Message
	for i, e := range entries {
		_, rest := e.records(nil, e.ttl)
		p := &probe{keys: map[string]bool{}, auth: rest[:2], conflict: make(chan struct{}), lost: make(chan struct{}, 1)}
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
	losses := 0
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
		lost := ""
		for name, p := range probes {
			select {
			case <-p.lost:
				lost = name
			default:
			}
		}
		if lost != "" {
			if losses++; losses > maxTieBreaks {
				return fmt.Errorf("mdns: instance %s: %w: lost %d probe tie-breaks in a row", lost, ErrConflict, maxTieBreaks)
			}
			r.log.Debug("mdns: a simultaneous probe won the tie-break; probing again in a second", "instance", lost)
			i = -1
			t.Reset(tieBreakWait)
			continue
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

// checkConflictsLocked closes the probe of a name a response answers with
// data other than ours, and returns the conflicts with names already
// announced (RFC 6762 §9), each once. Called with r.mu held.
func (r *Registry) checkConflictsLocked(src netip.AddrPort, m *dnsmsg.Message) []error {
	var errs []error
	for _, sec := range [][]dnsmsg.Record{m.Answers, m.Additionals} {
		for i := range sec {
			rec := &sec[i]
			if rec.Type != dnsmsg.TypeSRV && rec.Type != dnsmsg.TypeTXT || rec.TTL == 0 {
				continue
			}
			name := strings.ToLower(rec.Name)
			if p := r.probing[name]; p != nil && !p.keys[recordKey(rec)] {
				select {
				case <-p.conflict:
				default:
					p.by = src.String()
					close(p.conflict)
				}
			}
			if e := r.local[name]; e != nil {
				if err := r.announcedConflictLocked(e, src, rec); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	return errs
}

// announcedConflictLocked returns an error wrapping ErrConflict when rec,
// from src, is a record of e's name with other data than e's, the first
// time it sees that record.
func (r *Registry) announcedConflictLocked(e *entry, src netip.AddrPort, rec *dnsmsg.Record) error {
	_, rest := e.records(nil, e.ttl)
	k := recordKey(rec)
	if k == recordKey(&rest[0]) || k == recordKey(&rest[1]) {
		return nil
	}
	seen := e.instance + "\x00" + k
	if r.conflicts[seen] {
		return nil
	}
	if len(r.conflicts) >= 1024 {
		clear(r.conflicts)
	}
	r.conflicts[seen] = true
	return fmt.Errorf("mdns: instance %s: %w: %s announces it with other data (%s record)", e.instance, ErrConflict, src, typeName(rec.Type))
}

// reportConflicts logs conflicts found after announcing and tells
// Config.OnConflict.
func (r *Registry) reportConflicts(errs []error) {
	for _, err := range errs {
		r.log.Warn("mdns: another responder announces a registered name with other data; still publishing ours", "err", err)
		if r.cfg.OnConflict != nil {
			r.cfg.OnConflict(err)
		}
	}
}

func typeName(t uint16) string {
	if t == dnsmsg.TypeSRV {
		return "SRV"
	}
	return "TXT"
}

// tieBreakLocked compares the authority records of a probe from
// elsewhere for a name being probed here with ours (RFC 6762 §8.2): when
// theirs sort after ours, our probe lost and starts again. Our own probe,
// looped back, compares equal. Called with r.mu held.
func (r *Registry) tieBreakLocked(m *dnsmsg.Message) {
	if len(r.probing) == 0 || len(m.Authorities) == 0 {
		return
	}
	var theirs map[string][]dnsmsg.Record
	for _, rec := range m.Authorities {
		k := strings.ToLower(rec.Name)
		if r.probing[k] != nil {
			if theirs == nil {
				theirs = map[string][]dnsmsg.Record{}
			}
			theirs[k] = append(theirs[k], rec)
		}
	}
	for k, recs := range theirs {
		if p := r.probing[k]; compareProbes(p.auth, recs) < 0 {
			select {
			case p.lost <- struct{}{}:
			default:
			}
		}
	}
}

// compareProbes orders two probes' authority records for one name as RFC
// 6762 §8.2 says: each set sorted by class, type and uncompressed record
// data, then compared record by record; the first difference decides,
// and a set that runs out first sorts before the other.
func compareProbes(ours, theirs []dnsmsg.Record) int {
	a, b := probeData(ours), probeData(theirs)
	for i := range min(len(a), len(b)) {
		if c := bytes.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

// probeData returns each record as class, type and record data bytes,
// sorted.
func probeData(recs []dnsmsg.Record) [][]byte {
	out := make([][]byte, 0, len(recs))
	for _, rec := range recs {
		one := rec
		one.Name, one.TTL, one.CacheFlush = ".", 0, false
		b, err := (&dnsmsg.Message{Answers: []dnsmsg.Record{one}}).Append(nil)
		// header (12 bytes), root name (1), type, class (2 each), TTL
		// (4), data length (2): the data starts at 23.
		if err != nil || len(b) < 23 {
			continue
		}
		key := binary.BigEndian.AppendUint16(nil, rec.Class)
		key = binary.BigEndian.AppendUint16(key, rec.Type)
		out = append(out, append(key, b[23:]...))
	}
	slices.SortFunc(out, bytes.Compare)
	return out
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
					r.lastSent[sentKey{s.ifi.Index, s.v6, recordKey(&sec[i])}] = now
				}
			}
			r.mu.Unlock()
			r.send(s, msg, netip.AddrPort{})
		}
	}
}

// addressGoodbye multicasts goodbyes (TTL 0) for the addresses lost by
// interface idx, for every entry that publishes the interface's
// addresses, on the interface's sockets (RFC 6762 §10.4).
func (r *Registry) addressGoodbye(idx int, entries []*entry, lost []netip.Addr) {
	var recs []dnsmsg.Record
	seen := map[string]bool{}
	for _, e := range entries {
		if e.addr.IsValid() || len(lost) == 0 {
			continue
		}
		_, rest := e.records(lost, 0)
		for _, rec := range rest[2:] {
			if k := recordKey(&rec); !seen[k] {
				seen[k] = true
				recs = append(recs, rec)
			}
		}
	}
	if len(recs) == 0 {
		return
	}
	msg := &dnsmsg.Message{Flags: dnsmsg.FlagResponse | dnsmsg.FlagAuthoritative, Answers: recs}
	for _, s := range r.socks {
		if s.ifi.Index == idx {
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
