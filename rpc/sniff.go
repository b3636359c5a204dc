package rpc

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// maxSniff is the most bytes a format is shown to recognise itself.
const maxSniff = 16

var errNoFormat = errors.New("rpc: the first bytes match no served format")

// sniff picks, from the formats the endpoint serves, the one whose Sniffer
// recognises the connection's first bytes. It reads nothing: the bytes stay
// in br for the chosen framer. The peer has HandshakeTimeout to send them.
func (e *Endpoint) sniff(nc net.Conn, br *bufio.Reader) (wire.Format, error) {
	nc.SetReadDeadline(time.Now().Add(e.cfg.HandshakeTimeout))
	defer nc.SetReadDeadline(time.Time{})
	for n := 1; ; {
		prefix, err := br.Peek(n)
		if err != nil {
			return nil, fmt.Errorf("rpc: sniff: %w", err)
		}
		if b := min(br.Buffered(), maxSniff); b > n {
			prefix, _ = br.Peek(b)
		}
		undecided := false
		for _, f := range e.formats {
			switch f.(wire.Sniffer).Sniff(prefix) {
			case wire.Yes:
				return f, nil
			case wire.NeedMore:
				undecided = true
			}
		}
		if !undecided || len(prefix) >= maxSniff {
			return nil, fmt.Errorf("%w: % x", errNoFormat, prefix)
		}
		n = len(prefix) + 1
	}
}
