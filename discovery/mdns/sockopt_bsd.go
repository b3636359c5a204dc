//go:build unix && !linux

package mdns

func setPlatformSockopts(int) error { return nil }
