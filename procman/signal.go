package procman

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
)

// ParseSignal reads a signal as supervisord takes one: a name with or
// without its SIG prefix, in any case ("TERM", "sigusr2"), or a number.
func ParseSignal(s string) (syscall.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n > 0 && n < 65 {
			return syscall.Signal(n), nil
		}
		return 0, fmt.Errorf("%w: %q", ErrBadSignal, s)
	}
	name := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "SIG")
	for _, ns := range signalNames {
		if ns.name == name {
			return ns.sig, nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrBadSignal, s)
}

// SignalName returns a signal's name without SIG ("TERM"), or its number.
func SignalName(sig syscall.Signal) string {
	for _, ns := range signalNames {
		if ns.sig == sig {
			return ns.name
		}
	}
	return strconv.Itoa(int(sig))
}

type namedSignal struct {
	name string
	sig  syscall.Signal
}
