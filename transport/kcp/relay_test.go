package kcp_test

import (
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// relay forwards UDP datagrams between clients and a server, dropping a
// share of them in each direction, as a lossy network does. Its loss can
// change while it runs: 1 drops everything, a peer that vanished without a
// word.
type relay struct {
	pc     net.PacketConn
	server *net.UDPAddr
	loss   atomic.Uint64 // math.Float64bits of the share dropped
	rng    *rand.Rand
	rngMu  sync.Mutex

	mu       sync.Mutex
	upstream map[string]*net.UDPConn // by client address
	wg       sync.WaitGroup

	sent, dropped atomic.Int64
}

// newRelay starts a relay to server on a loopback port, dropping a share
// loss of the datagrams, with a fixed seed so that a failure can be
// replayed. It stops when the test ends.
func newRelay(t *testing.T, server string, loss float64) *relay {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sa, err := net.ResolveUDPAddr("udp", server)
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{pc: pc, server: sa, rng: rand.New(rand.NewPCG(1, 2)), upstream: make(map[string]*net.UDPConn)}
	r.setLoss(loss)
	r.wg.Add(1)
	go r.fromClients()
	t.Cleanup(r.close)
	return r
}

func (r *relay) addr() string { return r.pc.LocalAddr().String() }

func (r *relay) setLoss(loss float64) { r.loss.Store(uint64(loss * (1 << 30))) }

// drop decides the fate of one datagram.
func (r *relay) drop() bool {
	loss := float64(r.loss.Load()) / (1 << 30)
	r.rngMu.Lock()
	x := r.rng.Float64()
	r.rngMu.Unlock()
	r.sent.Add(1)
	if x < loss {
		r.dropped.Add(1)
		return true
	}
	return false
}

// fromClients forwards the clients' datagrams to the server, each client
// through an upstream socket of its own.
func (r *relay) fromClients() {
	defer r.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		n, from, err := r.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		r.mu.Lock()
		up, ok := r.upstream[from.String()]
		if !ok {
			up, err = net.DialUDP("udp", nil, r.server)
			if err != nil {
				r.mu.Unlock()
				continue
			}
			r.upstream[from.String()] = up
			r.wg.Add(1)
			go r.fromServer(up, from)
		}
		r.mu.Unlock()
		if !r.drop() {
			up.Write(buf[:n])
		}
	}
}

// fromServer forwards the server's datagrams on up back to client.
func (r *relay) fromServer(up *net.UDPConn, client net.Addr) {
	defer r.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		n, err := up.Read(buf)
		if err != nil {
			if isRefused(err) {
				continue // the server is gone for now; it may come back
			}
			return
		}
		if !r.drop() {
			r.pc.WriteTo(buf[:n], client)
		}
	}
}

func (r *relay) close() {
	r.pc.Close()
	r.mu.Lock()
	for _, up := range r.upstream {
		up.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}
