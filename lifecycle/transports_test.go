//go:build unix

package lifecycle_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/transport"
	"github.com/dmicro-go/dmicro/transport/websocket"
)

// TestReloadTransports reloads an app serving rpc on a unix socket, over
// TLS and over WebSocket while clients of each call in a loop: every
// socket must pass to the new process, and no call may fail.
func TestReloadTransports(t *testing.T) {
	b := newTestbed(t)
	ss, err := transport.NewSelfSigned("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ss.PEM()
	if err != nil {
		t.Fatal(err)
	}
	cert, key := filepath.Join(b.dir, "cert.pem"), filepath.Join(b.dir, "key.pem")
	if err := os.WriteFile(cert, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(b.dir, "math.sock")
	tlsAddr, wsAddr := freePort(t), freePort(t)
	b.writeConf("\n[sandbox.unix]\nNetwork = unix\nListenAddr = " + sock +
		"\n\n[sandbox.tls]\nListenAddr = " + tlsAddr + "\nTLSCert = " + cert + "\nTLSKey = " + key +
		"\n\n[sandbox.ws]\nListenAddr = " + wsAddr + "\n")
	b.env = append(b.env, envTransports+"=1")
	b.startDetached()

	clients := []struct {
		name, addr string
		cfg        rpc.Config
	}{
		{"unix", sock, rpc.Config{Network: "unix"}},
		{"tls", tlsAddr, rpc.Config{TLSConfig: ss.ClientConfig()}},
		{"ws", wsAddr, rpc.Config{Transport: websocket.Transport{}}},
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var ok, failed atomic.Int64
	for _, c := range clients {
		c.cfg.Redial = rpc.RedialPolicy{Attempts: -1, MinDelay: 10 * time.Millisecond, MaxDelay: 200 * time.Millisecond}
		ep, err := rpc.NewEndpoint(c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer ep.Close()
		sess, err := ep.Dial(ctx, c.addr)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					var sum int
					err := sess.Call(ctx, "/math/add", []int{1, 2}, &sum)
					switch {
					case ctx.Err() != nil:
						return
					case err != nil || sum != 3:
						failed.Add(1)
						t.Errorf("%s: %v", c.name, err)
					default:
						ok.Add(1)
					}
				}
			}()
		}
	}
	for i := range 5 {
		before := ok.Load()
		for ok.Load() < before+100 && !t.Failed() {
			time.Sleep(5 * time.Millisecond) // polling the callers' counter
		}
		if out, code := b.run("reload"); code != 0 {
			t.Fatalf("reload %d exited %d: %s", i+1, code, out)
		}
	}
	cancel()
	wg.Wait()
	t.Logf("%d calls ok, %d failed over unix, TLS and WebSocket through 5 reloads", ok.Load(), failed.Load())
	if _, err := os.Stat(sock); err != nil {
		t.Errorf("the unix socket's file is gone after the reloads: %v", err)
	}
	if out, code := b.run("stop"); code != 0 {
		t.Fatalf("stop exited %d: %s", code, out)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("the unix socket's file is left after stop: %v", err)
	}
}

// TestSecondSignalForces sends SIGTERM while a long call is in flight,
// then a second one, which must stop the app at once.
func TestSecondSignalForces(t *testing.T) {
	b := newTestbed(t)
	b.startDetached()
	pid := b.appPid()
	ep, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	ctx := context.Background()
	sess, err := ep.Dial(ctx, b.rpcAddr)
	if err != nil {
		t.Fatal(err)
	}
	res := make(chan error, 1)
	go func() {
		ms := 120_000
		res <- sess.Call(ctx, "/math/sleep", &ms, nil)
	}()
	waitLog(t, b, "math: sleeping")
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitLog(t, b, "lifecycle: stopping sandbox")
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	b.gone(pid)
	waitLog(t, b, "second signal")
	if err := <-res; err == nil {
		t.Error("the long call succeeded though the app was forced to stop")
	}
}
