//go:build unix && !linux

package mdns

// loopbackV6Multicast: other systems are let try ff02::fb on a loopback
// interface (macOS's lo0 carries it).
const loopbackV6Multicast = true

func setPlatformSockopts(int, bool) error { return nil }
