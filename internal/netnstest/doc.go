// Package netnstest runs a test binary inside a network namespace of its
// own, for tests that send multicast: on the namespace's loopback, with
// multicast turned on and 224.0.0.0/4 routed to it, and on a veth pair
// (Link and Peer: "mdns0" and "mdns1", addresses LinkV4, LinkV6, PeerV4,
// PeerV6) for IPv6, which Linux does not multicast on a loopback device,
// nothing leaves the machine or touches its interfaces.
//
// Use it from TestMain and mark each test that sends multicast:
//
//	func TestMain(m *testing.M) { netnstest.Main(m) }
//
//	func TestX(t *testing.T) { netnstest.Need(t); ... interface "lo" ... }
//
// As root on Linux, Main makes a namespace named after the process, runs
// the binary again inside it (with the same arguments, so fuzzing and
// -run work), deletes the namespace, and exits with the child's code; it
// also deletes namespaces left by killed runs. Elsewhere, or without
// root, the tests run in place and Need skips them (fails them under
// CI=true).
package netnstest
