//go:build linux

package netnstest

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
)

const nsPrefix = "dmicro-netns-"

// Main runs the test binary: as root on Linux, again inside a fresh
// namespace (and exits with its code); otherwise, or inside the
// namespace, m's tests with leakcheck.Main.
func Main(m *testing.M) {
	if os.Getenv(Env) == "" && os.Geteuid() == 0 {
		if code, ok := runInNamespace(); ok {
			os.Exit(code)
		}
	}
	leakcheck.Main(m)
}

// runInNamespace runs this test binary again in a fresh namespace; ok is
// false when no namespace could be made.
func runInNamespace() (code int, ok bool) {
	if _, err := exec.LookPath("ip"); err != nil {
		return 0, false
	}
	removeStale()
	name := nsPrefix + strconv.Itoa(os.Getpid())
	ip := func(args ...string) error {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := ip("netns", "add", name); err != nil {
		fmt.Fprintln(os.Stderr, "netnstest: no network namespace, multicast tests skip:", err)
		return 0, false
	}
	defer ip("netns", "del", name)
	for _, args := range setup {
		if err := ip(append([]string{"netns", "exec", name, "ip"}, args...)...); err != nil {
			fmt.Fprintln(os.Stderr, "netnstest:", err)
			return 1, true
		}
	}
	cmd := exec.Command("ip", append([]string{"netns", "exec", name, os.Args[0]}, os.Args[1:]...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), Env+"="+name)
	err := cmd.Run()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "netnstest:", err)
		return 1, true
	}
	return cmd.ProcessState.ExitCode(), true
}

// setup is the namespace's network, as "ip" arguments: the loopback with
// IPv4 multicast, and the veth pair Link-Peer with fixed addresses and no
// duplicate address detection (a tentative address cannot send), for
// IPv6 multicast, which Linux does not route on a loopback device.
var setup = [][]string{
	{"link", "set", "lo", "up"},
	{"link", "set", "lo", "multicast", "on"},
	{"route", "add", "224.0.0.0/4", "dev", "lo"},
	{"link", "add", Link, "type", "veth", "peer", "name", Peer},
	{"link", "set", Link, "addrgenmode", "none"},
	{"link", "set", Peer, "addrgenmode", "none"},
	{"addr", "add", LinkV6.String() + "/64", "dev", Link, "nodad"},
	{"addr", "add", PeerV6.String() + "/64", "dev", Peer, "nodad"},
	{"addr", "add", LinkV4.String() + "/24", "dev", Link},
	{"addr", "add", PeerV4.String() + "/24", "dev", Peer},
	{"link", "set", Link, "up"},
	{"link", "set", Peer, "up"},
}

// removeStale deletes namespaces left by test binaries that were killed.
func removeStale() {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		pid, err := strconv.Atoi(strings.TrimPrefix(name, nsPrefix))
		if !strings.HasPrefix(name, nsPrefix) || err != nil {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			exec.Command("ip", "netns", "del", name).Run()
		}
	}
}
