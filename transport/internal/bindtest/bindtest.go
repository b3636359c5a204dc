package bindtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
)

// Recorder is a Binder that binds fresh sockets with a net.ListenConfig, as
// transport.Bind does, and records each call and each socket it returned.
// It is safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	calls   []string
	sockets []any
}

// Listen binds a fresh listening socket on addr.
func (r *Recorder) Listen(ctx context.Context, network, addr string) (net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, network, addr)
	r.record("Listen "+network+" "+addr, ln, err)
	return ln, err
}

// ListenPacket binds a fresh datagram socket on addr.
func (r *Recorder) ListenPacket(ctx context.Context, network, addr string) (net.PacketConn, error) {
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, network, addr)
	r.record("ListenPacket "+network+" "+addr, pc, err)
	return pc, err
}

func (r *Recorder) record(call string, socket any, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call)
	if err == nil {
		r.sockets = append(r.sockets, socket)
	}
}

// Calls returns the calls so far, each as "Listen NETWORK ADDR" or
// "ListenPacket NETWORK ADDR".
func (r *Recorder) Calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// Sockets returns the sockets returned so far, net.Listeners and
// net.PacketConns, in the order of the calls that succeeded.
func (r *Recorder) Sockets() []any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]any(nil), r.sockets...)
}

// filer is a socket whose file descriptor can be duplicated.
type filer interface {
	File() (*os.File, error)
}

// Inherited is a Binder that serves one socket bound beforehand, as a hot
// restart serves a socket inherited from the process that ran before: each
// call for the socket's network and address returns a new duplicate of its
// file descriptor, and the original stays open until the test ends. A call
// for any other network or address fails. It is safe for concurrent use.
type Inherited struct {
	network, addr string
	orig          filer // a *net.TCPListener, *net.UnixListener or *net.UDPConn

	mu   sync.Mutex
	dups []any
}

// Listener binds a stream socket on network and addr ("127.0.0.1:0", or a
// unix path) and returns an Inherited that serves it. The test is skipped
// where sockets cannot be duplicated.
func Listener(t testing.TB, network, addr string) *Inherited {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatalf("bindtest: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	return inherit(t, network, ln.Addr().String(), ln)
}

// PacketConn binds a UDP socket on network and addr ("127.0.0.1:0") and
// returns an Inherited that serves it. The test is skipped where sockets
// cannot be duplicated.
func PacketConn(t testing.TB, network, addr string) *Inherited {
	t.Helper()
	pc, err := net.ListenPacket(network, addr)
	if err != nil {
		t.Fatalf("bindtest: %v", err)
	}
	t.Cleanup(func() { pc.Close() })
	return inherit(t, network, pc.LocalAddr().String(), pc)
}

func inherit(t testing.TB, network, addr string, socket any) *Inherited {
	t.Helper()
	f, ok := socket.(filer)
	if !ok {
		t.Fatalf("bindtest: a %T has no File method", socket)
	}
	dup, err := f.File()
	if err != nil {
		t.Skipf("bindtest: sockets cannot be duplicated here: %v", err)
	}
	dup.Close()
	return &Inherited{network: network, addr: addr, orig: f}
}

// Addr returns the address of the socket, which Listen must be given.
func (b *Inherited) Addr() string { return b.addr }

// Original returns the socket bound beforehand, which the Binder keeps.
func (b *Inherited) Original() any { return b.orig }

// Dups returns the duplicates handed out so far.
func (b *Inherited) Dups() []any {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]any(nil), b.dups...)
}

// Listen returns a duplicate of the inherited stream socket.
func (b *Inherited) Listen(_ context.Context, network, addr string) (net.Listener, error) {
	f, err := b.file(network, addr)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("bindtest: %w", err)
	}
	b.add(ln)
	return ln, nil
}

// ListenPacket returns a duplicate of the inherited UDP socket.
func (b *Inherited) ListenPacket(_ context.Context, network, addr string) (net.PacketConn, error) {
	f, err := b.file(network, addr)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pc, err := net.FilePacketConn(f)
	if err != nil {
		return nil, fmt.Errorf("bindtest: %w", err)
	}
	b.add(pc)
	return pc, nil
}

// file returns a duplicate of the socket's file descriptor, if network and
// addr are the socket's.
func (b *Inherited) file(network, addr string) (*os.File, error) {
	if network != b.network || addr != b.addr {
		return nil, fmt.Errorf("bindtest: no inherited socket for %s %s (have %s %s)", network, addr, b.network, b.addr)
	}
	f, err := b.orig.File()
	if err != nil {
		return nil, fmt.Errorf("bindtest: %w", err)
	}
	return f, nil
}

func (b *Inherited) add(socket any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dups = append(b.dups, socket)
}

// Closed reports whether socket, a *net.TCPListener, *net.UnixListener or
// *net.UDPConn, is closed. It does not disturb a socket in use: it runs an
// empty function on the file descriptor, which fails with net.ErrClosed
// once the socket is closed.
func Closed(socket any) bool {
	sc, ok := socket.(syscall.Conn)
	if !ok {
		panic(fmt.Sprintf("bindtest: Closed of a %T", socket))
	}
	rc, err := sc.SyscallConn()
	if err == nil {
		err = rc.Control(func(uintptr) {})
	}
	return errors.Is(err, net.ErrClosed)
}
