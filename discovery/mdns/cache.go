package mdns

import (
	"strings"
	"time"

	"github.com/dmicro-go/dmicro/internal/dnsmsg"
)

// cached is a record the browser holds until its TTL runs out.
type cached struct {
	rec       dnsmsg.Record
	received  time.Time
	expires   time.Time
	ttl       time.Duration
	refreshed bool   // a query was sent to refresh it (at 80% of its life)
	ifname    string // the interface it last came in on: the zone of a link-local address
}

// maxCacheTTL caps how long a record is cached, whatever TTL it claims
// (RFC 6762 suggests 75 minutes for the longest-lived records).
const maxCacheTTL = 2 * time.Hour

// interest is a service type the browser keeps querying for.
type interest struct {
	typ      string
	next     time.Time
	interval time.Duration
}

// browser is the cache of records from other responders and what it
// follows. Guarded by Registry.mu.
type browser struct {
	recs      map[string]*cached   // by recordKey
	interests map[string]*interest // by lower-case service type
	all       bool                 // enumerate every type (Watch, ListServices)
	allNext   time.Time
	allIvl    time.Duration
	targets   map[string]bool // SRV targets whose addresses are wanted
	full      bool            // the cache cap was hit (logged once)
}

func newBrowser() browser {
	return browser{recs: map[string]*cached{}, interests: map[string]*interest{}, targets: map[string]bool{}}
}

// follow makes typ a type the browser queries for; it reports whether it
// is new.
func (b *browser) follow(typ string, now time.Time) bool {
	k := strings.ToLower(typ)
	if b.interests[k] != nil || len(b.interests) >= maxServiceTypes {
		return false
	}
	b.interests[k] = &interest{typ: typ, next: now, interval: time.Second}
	return true
}

// wanted reports whether the browser keeps rec: records of followed
// types, the type enumeration when it enumerates, and addresses of SRV
// targets. Everything else (other services, floods) is dropped.
func (b *browser) wanted(rec *dnsmsg.Record) bool {
	switch rec.Type {
	case dnsmsg.TypePTR:
		if strings.EqualFold(rec.Name, servicesEnum) {
			return b.all
		}
		return b.interests[strings.ToLower(rec.Name)] != nil
	case dnsmsg.TypeSRV, dnsmsg.TypeTXT:
		_, typ := dnsmsg.FirstLabel(rec.Name)
		return b.interests[strings.ToLower(typ)] != nil
	case dnsmsg.TypeA, dnsmsg.TypeAAAA:
		return b.targets[strings.ToLower(rec.Name)]
	}
	return false
}

// add caches rec; it reports whether what the cache says changed (not
// merely a TTL renewed). A TTL of 0 (a goodbye) removes the record; the
// cache-flush bit removes the other records of its name and type received
// over a second ago (RFC 6762 §10.2). ifname is the interface rec came in
// on.
func (b *browser) add(rec *dnsmsg.Record, now time.Time, max int, ifname string) (changed, dropped bool) {
	k := recordKey(rec)
	if rec.TTL == 0 {
		if b.recs[k] != nil {
			delete(b.recs, k)
			return true, false
		}
		return false, false
	}
	if rec.CacheFlush {
		set := rrsetKey(rec.Name, rec.Type)
		for ok, c := range b.recs {
			if ok != k && now.Sub(c.received) > time.Second && rrsetKey(c.rec.Name, c.rec.Type) == set {
				delete(b.recs, ok)
				changed = true
			}
		}
	}
	ttl := min(time.Duration(rec.TTL)*time.Second, maxCacheTTL)
	if c := b.recs[k]; c != nil {
		c.received, c.expires, c.ttl, c.refreshed = now, now.Add(ttl), ttl, false
		if c.ifname != ifname && c.rec.Addr.Is6() && c.rec.Addr.IsLinkLocalUnicast() {
			c.ifname, changed = ifname, true
		}
		return changed, false
	}
	if len(b.recs) >= max {
		return changed, true
	}
	r := *rec
	r.CacheFlush = false
	b.recs[k] = &cached{rec: r, received: now, expires: now.Add(ttl), ttl: ttl, ifname: ifname}
	if rec.Type == dnsmsg.TypePTR && strings.EqualFold(rec.Name, servicesEnum) {
		b.follow(rec.Target, now)
	}
	return true, false
}

// expire drops records whose TTL ran out; it reports whether any did.
func (b *browser) expire(now time.Time) bool {
	gone := false
	for k, c := range b.recs {
		if !now.Before(c.expires) {
			delete(b.recs, k)
			gone = true
		}
	}
	return gone
}

// queries returns the queries due at now: each followed type's PTR
// question on its schedule (1 s, doubling to 60 s, RFC 6762 §5.2) or when
// one of its records reaches 80% of its life, with the PTR answers known
// for more than half their TTL listed for suppression (at most
// maxKnownAnswers).
func (b *browser) queries(now time.Time) *dnsmsg.Message {
	var msg dnsmsg.Message
	due := map[string]bool{}
	for _, c := range b.recs {
		if !c.refreshed && c.expires.Sub(now) < c.ttl/5 {
			c.refreshed = true
			typ := c.rec.Name
			if c.rec.Type != dnsmsg.TypePTR {
				_, typ = dnsmsg.FirstLabel(c.rec.Name)
			}
			due[strings.ToLower(typ)] = true
		}
	}
	for k, in := range b.interests {
		if due[k] || !now.Before(in.next) {
			if !now.Before(in.next) {
				in.next = now.Add(in.interval)
				in.interval = min(2*in.interval, 60*time.Second)
			}
			msg.Questions = append(msg.Questions, dnsmsg.Question{Name: in.typ, Type: dnsmsg.TypePTR, Class: dnsmsg.ClassIN})
			for _, c := range b.recs {
				if len(msg.Answers) < maxKnownAnswers && c.rec.Type == dnsmsg.TypePTR &&
					strings.EqualFold(c.rec.Name, in.typ) && c.expires.Sub(now) > c.ttl/2 {
					known := c.rec
					known.TTL = uint32(c.expires.Sub(now) / time.Second)
					msg.Answers = append(msg.Answers, known)
				}
			}
		}
	}
	if b.all && !now.Before(b.allNext) {
		if b.allIvl == 0 {
			b.allIvl = time.Second
		}
		b.allNext = now.Add(b.allIvl)
		b.allIvl = min(2*b.allIvl, 60*time.Second)
		msg.Questions = append(msg.Questions, dnsmsg.Question{Name: servicesEnum, Type: dnsmsg.TypePTR, Class: dnsmsg.ClassIN})
	}
	if len(msg.Questions) == 0 {
		return nil
	}
	return &msg
}

// addrOf picks the address a client dials for target: the lowest IPv4
// address cached for it, else the lowest IPv6 one (v6First: the other way
// round), else the name itself. A link-local IPv6 address carries the
// interface it was received on as its zone ("fe80::1%eth0"); global
// and unique-local ones sort before link-local ones.
func addrOf(idx map[string][]*cached, target string, v6First bool) string {
	types := []uint16{dnsmsg.TypeA, dnsmsg.TypeAAAA}
	if v6First {
		types[0], types[1] = types[1], types[0]
	}
	var best *cached
	for _, t := range types {
		for _, c := range idx[rrsetKey(target, t)] {
			if best == nil || c.rec.Addr.Less(best.rec.Addr) {
				best = c
			}
		}
		if best == nil {
			continue
		}
		if a := best.rec.Addr; a.Is6() && a.IsLinkLocalUnicast() && best.ifname != "" {
			return a.WithZone(best.ifname).String()
		}
		return best.rec.Addr.String()
	}
	return strings.TrimSuffix(target, ".")
}
