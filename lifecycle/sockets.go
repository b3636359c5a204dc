package lifecycle

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"syscall"

	"github.com/dmicro-go/dmicro/transport"
)

// sockets is the set of listening sockets an app holds, so that a reload
// can hand every one of them to the new process. A socket is known by its
// network and address; an address with an unspecified host (":9091",
// "0.0.0.0:9091", "[::]:9091") matches another of the same port and family.
//
// It implements transport.Binder: transports built by lifecycle listen
// through it, so a sandbox's endpoint takes over its socket at a reload
// with no code of its own.
type sockets struct {
	mu sync.Mutex
	// inherited holds the sockets the parent passed that nobody has asked
	// for yet, by key.
	inherited map[string]*os.File
	// held holds a dup of every socket open in this process, to pass on.
	held map[string]*os.File
	// order is the order in which held sockets were opened, for a stable
	// fd order in the child.
	order []string
	// paths are the files of the unix sockets listened on.
	paths []string
}

// unixPaths returns the files of the unix sockets listened on.
func (s *sockets) unixPaths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...)
}

// binder is the transport.Binder of one sandbox: it listens through the
// app's sockets and tells the sandbox's state when it serves (when Accept
// is first called on a listener, or a packet socket is opened).
type binder struct {
	set     *sockets
	serving func()
}

func (b binder) Listen(ctx context.Context, network, addr string) (net.Listener, error) {
	return b.set.listen(ctx, network, addr, b.serving)
}

func (b binder) ListenPacket(ctx context.Context, network, addr string) (net.PacketConn, error) {
	pc, err := b.set.listenPacket(ctx, network, addr)
	if err == nil && b.serving != nil {
		b.serving()
	}
	return pc, err
}

// passed is one socket in the list a parent passes to its child.
type passed struct {
	Network string `json:"network"`
	Addr    string `json:"addr"`
}

// socketKey is how a socket is matched between parent and child.
func socketKey(network, addr string) (string, error) {
	switch network {
	case "unix", "unixpacket":
		return network + " " + addr, nil
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return "", fmt.Errorf("%w: %q", ErrUnsupportedNetwork, network)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("lifecycle: %s address %q: %w", network, addr, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = ""
	}
	return network + " " + net.JoinHostPort(host, port), nil
}

// fixedPort reports whether a key names a fixed port, which can be
// matched at a reload; port 0 asks for a new port each time.
func fixedPort(network, addr string) bool {
	if network == "unix" || network == "unixpacket" {
		return addr != "" && addr[0] != '@' || len(addr) > 1
	}
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port != "0" && port != ""
}

// take returns the inherited socket of key, if the parent passed one.
func (s *sockets) take(key string) *os.File {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.inherited[key]
	delete(s.inherited, key)
	return f
}

// hold records f, a dup of an open socket's fd, to pass at a reload. It
// takes ownership of f.
func (s *sockets) hold(key string, f *os.File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held == nil {
		s.held = make(map[string]*os.File)
	}
	if old := s.held[key]; old != nil {
		old.Close()
	} else {
		s.order = append(s.order, key)
	}
	s.held[key] = f
}

// release forgets the socket of key, which its owner closed: it is not
// passed at the next reload.
func (s *sockets) release(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.held[key]; f != nil {
		f.Close()
		delete(s.held, key)
		s.order = slices.DeleteFunc(s.order, func(k string) bool { return k == key })
	}
}

// snapshot returns the sockets to pass, in the order they were opened,
// with the files to put at fds 3, 4, ... of the child.
func (s *sockets) snapshot() ([]passed, []*os.File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]passed, 0, len(s.order))
	files := make([]*os.File, 0, len(s.order))
	for _, key := range s.order {
		network, addr, _ := cutKey(key)
		list = append(list, passed{Network: network, Addr: addr})
		files = append(files, s.held[key])
	}
	return list, files
}

// cutKey splits a key back into network and address.
func cutKey(key string) (network, addr string, ok bool) {
	for i := 0; i < len(key); i++ {
		if key[i] == ' ' {
			return key[:i], key[i+1:], true
		}
	}
	return key, "", false
}

// closeUnclaimed closes the inherited sockets nobody asked for: once the
// app is ready, an address no sandbox listens on any more is let go.
func (s *sockets) closeUnclaimed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for key, f := range s.inherited {
		f.Close()
		keys = append(keys, key)
	}
	clear(s.inherited)
	slices.Sort(keys)
	return keys
}

// closeAll closes every socket the set still holds.
func (s *sockets) closeAll() {
	s.closeUnclaimed()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.held {
		f.Close()
	}
	clear(s.held)
	s.order = nil
}

// listen returns a listener on addr: the one the parent passed for it, or
// a new one. Either way the app keeps a dup of its fd to pass at the next
// reload, until the listener is closed. A unix socket's file is not
// removed when its listener closes (the next process serves it); the app
// removes it when it stops for good. serving, if not nil, is called when
// Accept is first called.
func (s *sockets) listen(ctx context.Context, network, addr string, serving func()) (net.Listener, error) {
	key, err := socketKey(network, addr)
	if err != nil {
		return nil, err
	}
	var l net.Listener
	if f := s.take(key); f != nil {
		l, err = net.FileListener(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("lifecycle: inherited %s %s: %w", network, addr, err)
		}
	} else {
		// transport.Bind replaces a unix socket's stale file.
		if l, err = (transport.Bind{}).Listen(ctx, network, addr); err != nil {
			return nil, fmt.Errorf("lifecycle: %w", err)
		}
	}
	if ul, ok := l.(*net.UnixListener); ok {
		ul.SetUnlinkOnClose(false)
		if addr != "" && addr[0] != '@' {
			s.mu.Lock()
			if !slices.Contains(s.paths, addr) {
				s.paths = append(s.paths, addr)
			}
			s.mu.Unlock()
		}
	}
	if !fixedPort(network, addr) {
		// A port chosen by the system cannot be asked for again by
		// address; it is still passed, under the port it got.
		key, _ = socketKey(network, l.Addr().String())
	}
	if !handoffSupported {
		// Nothing to pass on: the app serves, without hot restart.
		return &listener{Listener: l, set: s, serving: serving}, nil
	}
	sc, ok := l.(syscall.Conn)
	if !ok {
		l.Close()
		return nil, fmt.Errorf("%w: %s listener %T has no fd", ErrUnsupportedNetwork, network, l)
	}
	f, err := dupSocket(sc, key)
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("lifecycle: %s %s: %w", network, addr, err)
	}
	s.hold(key, f)
	return &listener{Listener: l, set: s, key: key, serving: serving}, nil
}

// listenPacket returns a datagram socket on addr (for kcp and quic): the
// one the parent passed, or a new one. The app passes it at every reload
// until it stops: a packet socket's Close cannot be seen.
func (s *sockets) listenPacket(ctx context.Context, network, addr string) (net.PacketConn, error) {
	key, err := socketKey(network, addr)
	if err != nil {
		return nil, err
	}
	var pc net.PacketConn
	if f := s.take(key); f != nil {
		pc, err = net.FilePacketConn(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("lifecycle: inherited %s %s: %w", network, addr, err)
		}
	} else {
		if pc, err = (transport.Bind{}).ListenPacket(ctx, network, addr); err != nil {
			return nil, fmt.Errorf("lifecycle: %w", err)
		}
	}
	if !fixedPort(network, addr) {
		key, _ = socketKey(network, pc.LocalAddr().String())
	}
	if !handoffSupported {
		return pc, nil
	}
	sc, ok := pc.(syscall.Conn)
	if !ok {
		pc.Close()
		return nil, fmt.Errorf("%w: %s socket %T has no fd", ErrUnsupportedNetwork, network, pc)
	}
	f, err := dupSocket(sc, key)
	if err != nil {
		pc.Close()
		return nil, fmt.Errorf("lifecycle: %s %s: %w", network, addr, err)
	}
	s.hold(key, f)
	return pc, nil
}

// listener is a listener the app passes at a reload until it is closed.
type listener struct {
	net.Listener
	set      *sockets
	key      string
	serving  func()
	accepted sync.Once
	closed   sync.Once
}

func (l *listener) Accept() (net.Conn, error) {
	l.accepted.Do(func() {
		if l.serving != nil {
			l.serving()
		}
	})
	return l.Listener.Accept()
}

func (l *listener) Close() error {
	l.closed.Do(func() { l.set.release(l.key) })
	return l.Listener.Close()
}
