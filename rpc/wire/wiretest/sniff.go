package wiretest

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// sniffLen is the most a Sniffer is given: see [wire.Sniffer].
const sniffLen = 16

// CheckSniff checks s on every prefix, up to sniffLen bytes, of each
// stream in ours, which it must recognise (wire.Yes), and in others, which
// it must not (wire.No); for a prefix that need says is too short to tell,
// it must answer wire.NeedMore instead.
func CheckSniff(t testing.TB, s wire.Sniffer, ours, others [][]byte, need func(prefix []byte) bool) {
	t.Helper()
	check := func(b []byte, want wire.SniffResult) {
		t.Helper()
		for n := 0; n <= min(len(b), sniffLen); n++ {
			w := want
			if need(b[:n]) {
				w = wire.NeedMore
			}
			if got := s.Sniff(b[:n]); got != w {
				t.Errorf("Sniff(%q) = %v, want %v", b[:n], got, w)
			}
		}
	}
	for _, b := range ours {
		check(b, wire.Yes)
	}
	for _, b := range others {
		check(b, wire.No)
	}
}
