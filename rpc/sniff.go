package rpc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/transport"
)

// maxSniff is the most bytes a format is shown to recognise itself.
const maxSniff = 16

var (
	errNoFormat = errors.New("rpc: the first bytes match no served format")
	errUpgrade  = errors.New("rpc: upgrade refused")
)

// pickFormat finds what an accepted connection speaks: an upgrader of
// Config.Upgraders (the connection is unwrapped and looked at again), and
// then, when the endpoint serves several formats, the format whose Sniffer
// recognises the first bytes. It reads nothing it does not hand on: the
// bytes stay in br (or in the upgraded connection's reader) for the framer.
// The peer has until the context's deadline (HandshakeTimeout) to send them.
func (e *Endpoint) pickFormat(ctx context.Context, nc net.Conn, br *bufio.Reader) (net.Conn, *bufio.Reader, wire.Format, error) {
	ups := e.cfg.Upgraders
	if len(ups) == 0 && len(e.formats) < 2 {
		return nc, br, e.format, nil
	}
	dl, _ := ctx.Deadline()
	nc.SetReadDeadline(dl)
	up, f, err := e.sniff(nc, br, ups)
	nc.SetReadDeadline(time.Time{})
	if err != nil || up == nil {
		return nc, br, f, err
	}
	unwrapped, err := up.Upgrade(ctx, nc, br)
	if err != nil {
		return nc, br, nil, fmt.Errorf("%w: %w", errUpgrade, err)
	}
	nc, br = unwrapped, e.newReader(unwrapped)
	if len(e.formats) < 2 {
		return nc, br, e.format, nil
	}
	nc.SetReadDeadline(dl)
	_, f, err = e.sniff(nc, br, nil)
	nc.SetReadDeadline(time.Time{})
	return nc, br, f, err
}

// sniff peeks at the connection's first bytes until an upgrader or, once
// no upgrader is still undecided, a format recognises them. With a single
// format, a connection no upgrader claims speaks that format.
func (e *Endpoint) sniff(nc net.Conn, br *bufio.Reader, ups []transport.Upgrader) (transport.Upgrader, wire.Format, error) {
	for n := 1; ; {
		prefix, err := br.Peek(n)
		if err != nil {
			return nil, nil, fmt.Errorf("rpc: sniff: %w", err)
		}
		if b := br.Buffered(); b > n {
			prefix, _ = br.Peek(min(b, transport.MaxSniff))
		}
		upMore := false
		for _, u := range ups {
			match, more := u.Sniff(prefix[:min(len(prefix), transport.MaxSniff)])
			if match {
				return u, nil, nil
			}
			upMore = upMore || more
		}
		if upMore && len(prefix) < transport.MaxSniff {
			n = len(prefix) + 1
			continue
		}
		if len(e.formats) < 2 {
			return nil, e.format, nil
		}
		head := prefix[:min(len(prefix), maxSniff)]
		undecided := false
		for _, f := range e.formats {
			switch f.(wire.Sniffer).Sniff(head) {
			case wire.Yes:
				return nil, f, nil
			case wire.NeedMore:
				undecided = true
			}
		}
		if !undecided || len(head) >= maxSniff {
			return nil, nil, fmt.Errorf("%w: % x", errNoFormat, head)
		}
		n = len(prefix) + 1
	}
}
