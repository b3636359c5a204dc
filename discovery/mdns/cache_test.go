package mdns

import (
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/dnsmsg"
)

// TestKnownAnswers: the browser's queries list the PTR answers it holds
// with more than half their TTL left, and re-query a record at 80% of its
// life.
func TestKnownAnswers(t *testing.T) {
	b := newBrowser()
	now := time.Now()
	typ := serviceType("greeter")
	b.follow(typ, now)
	ptr := dnsmsg.Record{Name: typ, Type: dnsmsg.TypePTR, Class: dnsmsg.ClassIN, TTL: 100, Target: "n1." + typ}
	if changed, _ := b.add(&ptr, now, 10, "lo"); !changed {
		t.Fatal("a new record did not change the cache")
	}
	q := b.queries(now)
	if q == nil || len(q.Questions) != 1 || len(q.Answers) != 1 || q.Answers[0].Target != ptr.Target {
		t.Fatalf("first query %+v: want the PTR question with the PTR as known answer", q)
	}
	if q := b.queries(now.Add(500 * time.Millisecond)); q != nil {
		t.Fatalf("a query before its interval: %+v", q)
	}
	// At 85% of its life the record is due for refresh, and no longer
	// a known answer (under half its TTL left).
	q = b.queries(now.Add(85 * time.Second))
	if q == nil || len(q.Questions) != 1 || len(q.Answers) != 0 {
		t.Fatalf("refresh query %+v: want the question without known answers", q)
	}
	// A goodbye removes it; expiry removes what is left.
	bye := ptr
	bye.TTL = 0
	if changed, _ := b.add(&bye, now, 10, "lo"); !changed || len(b.recs) != 0 {
		t.Fatalf("goodbye left %d records", len(b.recs))
	}
	b.add(&ptr, now, 10, "lo")
	if !b.expire(now.Add(100*time.Second)) || len(b.recs) != 0 {
		t.Fatal("an expired record stayed")
	}
	// The cap holds.
	for i := range 20 {
		r := ptr
		r.Target = string(rune('a'+i)) + "." + typ
		b.add(&r, now, 10, "lo")
	}
	if len(b.recs) != 10 {
		t.Fatalf("%d records cached with a cap of 10", len(b.recs))
	}
	// Other services are not wanted.
	other := dnsmsg.Record{Name: serviceType("other"), Type: dnsmsg.TypePTR, TTL: 100, Target: "x." + serviceType("other")}
	if b.wanted(&other) {
		t.Fatal("a record of an unfollowed service is wanted")
	}
}
