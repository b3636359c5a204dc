package mdns

import (
	"net/netip"
	"strings"
	"time"

	"github.com/dmicro-go/dmicro/internal/dnsmsg"
)

// legacyTTL caps the TTL of answers to a legacy (one-shot) querier (RFC
// 6762 §6.7).
const legacyTTL = 10

// handleQuery answers the questions of m that name our records. A query
// from a port other than ours (a one-shot querier) or with the QU bit
// gets a unicast answer to its source; others a multicast one, in which
// each record is sent at most once a second per interface, so a flood of
// queries costs one answer per record per second. Records the querier
// lists as known with at least half their TTL left are left out (RFC 6762
// §7.1). A probe (a query with authority records) from the mDNS port is
// answered by multicast, so that every socket of the prober's host hears
// it, at most once per 250 ms per record (RFC 6762 §6).
func (r *Registry) handleQuery(s *ifaceSock, src netip.AddrPort, m *dnsmsg.Message) {
	legacy := src.Port() != uint16(r.cfg.Port)
	unicast := legacy
	isProbe := len(m.Authorities) > 0
	limit := rateLimit
	if isProbe {
		limit = probeRateLimit
	}
	r.mu.Lock()
	r.tieBreakLocked(m)
	if len(r.local) == 0 {
		r.mu.Unlock()
		return
	}
	addrs := r.addrs[s.ifi.Index]
	var answers, extra []dnsmsg.Record
	for _, q := range m.Questions {
		if q.Class != dnsmsg.ClassIN && q.Class != 255 {
			continue
		}
		n := len(answers)
		answers = r.answerLocked(q, addrs, answers, &extra)
		if q.Unicast && len(answers) > n && !isProbe {
			unicast = true
		}
	}
	if len(answers) == 0 {
		r.mu.Unlock()
		return
	}
	known := make(map[string]uint32, len(m.Answers)) // the querier's known answers and their TTLs
	for i := range m.Answers {
		known[recordKey(&m.Answers[i])] = m.Answers[i].TTL
	}
	now := time.Now()
	keep := func(rs []dnsmsg.Record, seen map[string]bool, limited bool) []dnsmsg.Record {
		out := rs[:0]
		for _, rec := range rs {
			k := recordKey(&rec)
			if ttl, ok := known[k]; seen[k] || ok && ttl >= rec.TTL/2 {
				continue
			}
			seen[k] = true
			if limited {
				sk := sentKey{s.ifi.Index, s.v6, k}
				if now.Sub(r.lastSent[sk]) < limit {
					continue
				}
				r.lastSent[sk] = now
			}
			if legacy {
				rec.CacheFlush = false
				rec.TTL = min(rec.TTL, legacyTTL)
			}
			out = append(out, rec)
		}
		return out
	}
	seen := map[string]bool{}
	answers = keep(answers, seen, !unicast)
	extra = keep(extra, seen, !unicast)
	r.pruneSentLocked(now)
	r.mu.Unlock()
	if len(answers) == 0 {
		return
	}
	reply := &dnsmsg.Message{Flags: dnsmsg.FlagResponse | dnsmsg.FlagAuthoritative, Answers: answers, Additionals: extra}
	var dst netip.AddrPort
	if unicast {
		dst = src
	}
	if legacy {
		reply.ID = m.ID
		reply.Questions = m.Questions
	}
	r.send(s, reply, dst)
}

// answerLocked appends the records answering q to answers, and the
// records a querier will want next to extra. Called with r.mu held.
func (r *Registry) answerLocked(q dnsmsg.Question, addrs []netip.Addr, answers []dnsmsg.Record, extra *[]dnsmsg.Record) []dnsmsg.Record {
	name := strings.ToLower(q.Name)
	any := q.Type == dnsmsg.TypeANY
	for _, e := range r.local {
		ptr, rest := e.records(addrs, e.ttl)
		switch {
		case name == servicesEnum && (any || q.Type == dnsmsg.TypePTR):
			answers = append(answers, dnsmsg.Record{Name: servicesEnum, Type: dnsmsg.TypePTR, Class: dnsmsg.ClassIN, TTL: e.ttl, Target: e.typ})
		case name == strings.ToLower(e.typ) && (any || q.Type == dnsmsg.TypePTR):
			answers = append(answers, ptr)
			*extra = append(*extra, rest...)
		case name == strings.ToLower(e.instance):
			for _, rec := range rest[:2] {
				if any || q.Type == rec.Type {
					answers = append(answers, rec)
				}
			}
			*extra = append(*extra, rest[2:]...)
		case name == strings.ToLower(e.host):
			for _, rec := range rest[2:] {
				if any || q.Type == rec.Type {
					answers = append(answers, rec)
				}
			}
		}
	}
	return answers
}

// pruneSentLocked forgets rate-limit marks older than the limit, so the
// map holds at most one mark per record sent in the last second.
func (r *Registry) pruneSentLocked(now time.Time) {
	if len(r.lastSent) < 1024 {
		return
	}
	for k, t := range r.lastSent {
		if now.Sub(t) >= rateLimit {
			delete(r.lastSent, k)
		}
	}
}
