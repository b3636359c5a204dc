package netnstest

import (
	"net/netip"
	"os/exec"
	"strings"
	"testing"
)

// The namespace's veth pair: two interfaces joined back to back, each
// with a fixed IPv4 and link-local IPv6 address, up and multicast-capable.
// Sockets on Link hear their own multicast (looped back) and the peer's.
const (
	Link = "mdns0"
	Peer = "mdns1"
)

// Addresses of Link and Peer.
var (
	LinkV4 = netip.MustParseAddr("10.53.0.1")
	PeerV4 = netip.MustParseAddr("10.53.0.2")
	LinkV6 = netip.MustParseAddr("fe80::53:1")
	PeerV6 = netip.MustParseAddr("fe80::53:2")
)

// IP runs the ip command with args inside the namespace (tests that
// change addresses), failing t when it fails. Call Need first.
func IP(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}
