package dnsmsg

import (
	"reflect"
	"testing"
)

// FuzzDecode: no input makes Decode panic or loop, and whatever decodes
// encodes and decodes again to the same message.
func FuzzDecode(f *testing.F) {
	good, _ := sample().Append(nil)
	f.Add(good)
	f.Add(append(header(1, 0, 0, 0), 0xC0, 12, 0, 1, 0, 1))
	f.Add(append(header(0, 0xFFFF, 0, 0), 1, 2, 3))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Message
		if err := m.Decode(b); err != nil {
			return
		}
		out, err := m.Append(nil)
		if err != nil {
			return // a decoded name may hold bytes our encoder rejects (an empty label)
		}
		var m2 Message
		if err := m2.Decode(out); err != nil {
			t.Fatalf("re-decoding our own encoding: %v", err)
		}
		if !sameMessage(&m, &m2) {
			t.Fatalf("round trip changed the message:\n%+v\n%+v", m, m2)
		}
	})
}

// FuzzRoundTrip: a message built from fuzzed fields either fails to
// encode or comes back unchanged.
func FuzzRoundTrip(f *testing.F) {
	f.Add("_x._tcp.local.", `in\.st._x._tcp.local.`, "host.local.", "k=v", uint16(80), uint32(120), true)
	f.Add(".", "a.", "b", "", uint16(0), uint32(0), false)
	f.Fuzz(func(t *testing.T, svc, inst, host, txt string, port uint16, ttl uint32, flush bool) {
		m := Message{
			Flags:     FlagResponse,
			Questions: []Question{{Name: svc, Type: TypePTR, Class: ClassIN, Unicast: flush}},
			Answers: []Record{
				{Name: svc, Type: TypePTR, Class: ClassIN, TTL: ttl, Target: inst},
				{Name: inst, Type: TypeSRV, Class: ClassIN, CacheFlush: flush, TTL: ttl, Port: port, Target: host},
				{Name: inst, Type: TypeTXT, Class: ClassIN, TTL: ttl, Text: []string{txt}},
			},
		}
		b, err := m.Append(nil)
		if err != nil {
			return
		}
		var got Message
		if err := got.Decode(b); err != nil {
			t.Fatalf("decoding what Append wrote: %v", err)
		}
		b2, err := got.Append(nil)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		var got2 Message
		if err := got2.Decode(b2); err != nil || !sameMessage(&got, &got2) {
			t.Fatalf("second round trip differs: %v", err)
		}
	})
}

func sameMessage(a, b *Message) bool {
	norm := func(m *Message) Message {
		c := *m
		for _, s := range []*[]Record{&c.Answers, &c.Authorities, &c.Additionals} {
			rs := append([]Record(nil), (*s)...)
			for i := range rs {
				if len(rs[i].Text) == 0 {
					rs[i].Text = nil
				}
			}
			*s = rs
		}
		if len(c.Questions) == 0 {
			c.Questions = nil
		}
		for _, s := range []*[]Record{&c.Answers, &c.Authorities, &c.Additionals} {
			if len(*s) == 0 {
				*s = nil
			}
		}
		return c
	}
	x, y := norm(a), norm(b)
	return reflect.DeepEqual(x, y)
}
