package netnstest

import (
	"net"
	"testing"
	"time"
)

// OneShot sends query to the mDNS group (224.0.0.251:5353) from a fresh
// socket on 127.0.0.1, as a one-shot querier does, and returns the first
// packet sent back to that socket, failing t if none comes within
// timeout.
func OneShot(t testing.TB, query []byte, timeout time.Duration) []byte {
	t.Helper()
	raw, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.WriteToUDP(query, &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353}); err != nil {
		t.Fatal(err)
	}
	raw.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, 9000)
	n, _, err := raw.ReadFromUDP(buf)
	if err != nil {
		t.Fatalf("no answer to a one-shot query: %v", err)
	}
	return buf[:n]
}
