package kcp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/transport/kcp"
)

// serve starts an rpc endpoint over KCP with a /math/add handler and
// returns its address.
func serve(t *testing.T, cfg kcp.Config) string {
	t.Helper()
	ep, err := rpc.NewEndpoint(rpc.Config{Transport: kcp.Transport{Config: cfg}, Network: "udp", ListenAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	err = ep.Router().HandleCall("/math/add", rpc.CallFunc(func(_ *rpc.CallCtx, xs *[]int) (int, error) {
		sum := 0
		for _, x := range *xs {
			sum += x
		}
		return sum, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	l, err := ep.Listen(rpctest.Context(t))
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		ep.Serve(l)
	}()
	t.Cleanup(func() {
		ep.Close()
		<-served
	})
	return l.Addr().String()
}

// TestLossyNetwork calls through a relay that drops a share of the
// datagrams each way: every call completes with the right answer, by
// retransmission alone and with forward error correction.
func TestLossyNetwork(t *testing.T) {
	for _, tc := range []struct {
		name string
		loss float64
		cfg  kcp.Config
	}{
		{"20% loss", 0.2, testConfig},
		{"20% loss, FEC 4+2", 0.2, func() kcp.Config { c := testConfig; c.DataShards, c.ParityShards = 4, 2; return c }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakcheck.Check(t)
			cfg := tc.cfg
			cfg.PeerTimeout = 10 * time.Second // loss must not pass for a vanished peer
			addr := serve(t, cfg)
			r := newRelay(t, addr, tc.loss)
			cli, err := rpc.NewEndpoint(rpc.Config{Transport: kcp.Transport{Config: cfg}, Network: "udp"})
			if err != nil {
				t.Fatal(err)
			}
			defer cli.Close()
			sess, err := cli.Dial(rpctest.Context(t), r.addr())
			if err != nil {
				t.Fatal(err)
			}
			const callers, calls = 8, 40
			var wg sync.WaitGroup
			errs := make(chan error, callers)
			for g := range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range calls {
						var sum int
						if err := sess.Call(rpctest.Context(t), "/math/add", []int{g, i, 1}, &sum); err != nil || sum != g+i+1 {
							errs <- fmt.Errorf("caller %d call %d: %d, %v", g, i, sum, err)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			t.Logf("%d calls; the relay dropped %d of %d datagrams", callers*calls, r.dropped.Load(), r.sent.Load())
			if r.dropped.Load() == 0 {
				t.Fatal("the relay dropped nothing: the test tested no loss")
			}
		})
	}
}

// TestPeerSilent: a peer that vanishes without a word (every datagram
// dropped) is noticed after PeerTimeout: a blocked Read fails with
// ErrPeerSilent, and so does a Write after it.
func TestPeerSilent(t *testing.T) {
	leakcheck.Check(t)
	client, server, l := pair(t, testConfig)
	r := newRelay(t, l.Addr().String(), 0)
	_ = server
	// A second client, through the relay.
	tr := kcp.Transport{Config: testConfig}
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			c.(interface{ HandshakeContext(context.Context) error }).HandshakeContext(rpctest.Context(t))
		}
		accepted <- c
	}()
	far, err := tr.Dial(rpctest.Context(t), "udp", r.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer far.Close()
	if c := <-accepted; c != nil {
		defer c.Close()
	}
	client.Write([]byte("x")) // the direct pair carries on
	r.setLoss(1)
	_, err = far.Read(make([]byte, 1))
	if !errors.Is(err, kcp.ErrPeerSilent) {
		t.Fatalf("Read from a vanished peer: %v, want ErrPeerSilent", err)
	}
	if _, err := far.Write([]byte("x")); !errors.Is(err, kcp.ErrPeerSilent) {
		t.Fatalf("Write to a vanished peer: %v, want ErrPeerSilent", err)
	}
	if _, err := server.Read(make([]byte, 1)); err != nil {
		t.Fatalf("the direct pair was hurt: %v", err)
	}
}

// TestDialFailures: a dial ends with a clear error when nobody listens
// (at once: the host says so), when the peer does not speak the session
// layer, and when its key differs (both when the handshake timeout passes).
func TestDialFailures(t *testing.T) {
	leakcheck.Check(t)
	tr := kcp.Transport{Config: testConfig}

	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nobody := pc.LocalAddr().String()
	pc.Close()
	if _, err := tr.Dial(rpctest.Context(t), "udp", nobody); !errors.Is(err, kcp.ErrHandshake) {
		t.Errorf("dial to nobody: %v, want ErrHandshake", err)
	}

	silent, err := net.ListenPacket("udp", "127.0.0.1:0") // reads and never answers
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	if _, err := tr.Dial(rpctest.Context(t), "udp", silent.LocalAddr().String()); !errors.Is(err, kcp.ErrHandshake) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("dial to a socket that never answers: %v, want ErrHandshake after the deadline", err)
	}

	keyed := testConfig
	keyed.Crypt, keyed.Key = "aes-gcm", []byte("0123456789abcdef")
	l, err := kcp.Transport{Config: keyed}.Listen(rpctest.Context(t), "udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	other := keyed
	other.Key = []byte("fedcba9876543210")
	if _, err := (kcp.Transport{Config: other}).Dial(rpctest.Context(t), "udp", l.Addr().String()); !errors.Is(err, kcp.ErrHandshake) {
		t.Errorf("dial with another key: %v, want ErrHandshake", err)
	}

	ctx, cancel := context.WithCancel(rpctest.Context(t))
	cancel()
	if _, err := tr.Dial(ctx, "udp", l.Addr().String()); !errors.Is(err, context.Canceled) {
		t.Errorf("dial with a canceled context: %v", err)
	}
	for _, bad := range []kcp.Config{{Crypt: "rot13"}, {Crypt: "aes"}, {DataShards: 3}, {DSCP: 64}, {MTU: 10}} {
		if _, err := (kcp.Transport{Config: bad}).Dial(rpctest.Context(t), "udp", l.Addr().String()); !errors.Is(err, kcp.ErrConfig) {
			t.Errorf("config %+v: %v, want ErrConfig", bad, err)
		}
	}
	if _, err := tr.Dial(rpctest.Context(t), "tcp", l.Addr().String()); err == nil {
		t.Error("dial on tcp succeeded")
	}
}

// TestNotTheSessionLayer: a peer that speaks KCP but not the session
// layer fails the opening of its connection; the listener goes on.
func TestNotTheSessionLayer(t *testing.T) {
	leakcheck.Check(t)
	tr := kcp.Transport{Config: testConfig}
	l, err := tr.Listen(rpctest.Context(t), "udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	rogue, err := dialRawKCP(l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer rogue.Close()
	rogue.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.(interface{ HandshakeContext(context.Context) error }).HandshakeContext(rpctest.Context(t))
	if !errors.Is(err, kcp.ErrHandshake) {
		t.Fatalf("the opening of a rogue session: %v, want ErrHandshake", err)
	}
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, kcp.ErrHandshake) {
		t.Fatalf("Read after a failed opening: %v", err)
	}
	// A proper client is still served.
	client, server, _ := pairOn(t, tr, l)
	client.Write([]byte("ok"))
	buf := make([]byte, 2)
	if _, err := io.ReadFull(server, buf); err != nil || string(buf) != "ok" {
		t.Fatalf("%q, %v", buf, err)
	}
}

// TestCloseSemantics: the peer reads everything written before a close,
// then io.EOF; Read and Write after Close give net.ErrClosed; deadlines
// give errors matching os.ErrDeadlineExceeded; a closed listener keeps
// its connections, and its socket goes with the last of them.
func TestCloseSemantics(t *testing.T) {
	leakcheck.Check(t)
	client, server, l := pair(t, testConfig)
	server.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := server.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past its deadline: %v", err)
	}
	var ne net.Error
	if _, err := server.Read(make([]byte, 1)); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("the deadline error is not a net.Error timeout: %v", err)
	}
	server.SetReadDeadline(time.Time{})

	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Write([]byte("last words")); err != nil {
		t.Fatal(err)
	}
	client.Close()
	got, err := io.ReadAll(server)
	if err != nil || string(got) != "last words" {
		t.Fatalf("after the client's close the server read %q, %v", got, err)
	}
	if _, err := client.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
	if _, err := client.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after Close: %v", err)
	}
	if _, err := server.Write([]byte("late")); err != nil {
		t.Fatalf("a half-closed connection refused a write: %v", err)
	}
	server.Close()
	// leakcheck: the socket closes with the last connection.
}
