package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// programs builds cmd/rpcserver and cmd/rpcclient once, and returns the
// directory that holds them.
func programs(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "dmicro-cmd")
		if buildErr != nil {
			return
		}
		for _, name := range []string{"rpcserver", "rpcclient"} {
			out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, name), "../"+name).CombinedOutput()
			if err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", name, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// TestSeedExample builds cmd/rpcserver and cmd/rpcclient, runs the server as
// a real process on a free port, runs the client against it, checks that it
// prints the sum, then stops the server with SIGTERM and checks that it
// exits cleanly after logging the call's author.
func TestSeedExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two programs")
	}
	bin := programs(t)
	addr := freeAddr(t)
	var serverLog bytes.Buffer
	srv := exec.Command(filepath.Join(bin, "rpcserver"), "-addr", addr)
	srv.Stderr = &serverLog
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	defer func() {
		if srv.ProcessState == nil {
			srv.Process.Kill()
			<-exited
		}
	}()

	out, err := exec.Command(filepath.Join(bin, "rpcclient"), "-addr", addr, "-wait", "20s").CombinedOutput()
	if err != nil {
		t.Fatalf("rpcclient: %v\n%s\nserver log:\n%s", err, out, serverLog.String())
	}
	if got := strings.TrimSpace(string(out)); got != "result: 15" {
		t.Fatalf("rpcclient printed %q, want %q", got, "result: 15")
	}

	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("rpcserver exited with %v\n%s", err, serverLog.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("rpcserver did not exit after SIGTERM\n%s", serverLog.String())
	}
	if !strings.Contains(serverLog.String(), "author=liuzhiming") {
		t.Errorf("the server did not log the author:\n%s", serverLog.String())
	}
}

// TestEveryWireOnOnePort runs cmd/rpcserver with -wire auto and the
// example client in each format against the one port, over TCP and over
// WebSocket, which the same port serves.
func TestEveryWireOnOnePort(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two programs")
	}
	bin := programs(t)
	addr := freeAddr(t)
	var serverLog bytes.Buffer
	srv := exec.Command(filepath.Join(bin, "rpcserver"), "-addr", addr, "-wire", "auto")
	srv.Stderr = &serverLog
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		srv.Process.Signal(syscall.SIGTERM)
		srv.Wait()
	}()
	for _, tr := range []string{"tcp", "websocket"} {
		for _, wire := range []string{"raw", "json", "pb", "http", "jsonrpc"} {
			out, err := exec.Command(filepath.Join(bin, "rpcclient"), "-addr", addr, "-transport", tr, "-wire", wire, "-wait", "20s").CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != "result: 15" {
				t.Errorf("-transport %s -wire %s: %q, %v\nserver log:\n%s", tr, wire, out, err, serverLog.String())
			}
		}
	}
}

// TestWSSOnTheTLSPort runs cmd/rpcserver with -transport tls -wire auto and
// calls its one port with the example client over TLS and over wss.
func TestWSSOnTheTLSPort(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two programs")
	}
	bin := programs(t)
	addr := freeAddr(t)
	cert := filepath.Join(t.TempDir(), "cert.pem")
	var serverLog bytes.Buffer
	srv := exec.Command(filepath.Join(bin, "rpcserver"), "-addr", addr, "-transport", "tls", "-wire", "auto", "-cert-out", cert)
	srv.Stderr = &serverLog
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		srv.Process.Signal(syscall.SIGTERM)
		srv.Wait()
	}()
	rpctest.WaitFor(t, "the server to write its certificate", func() bool {
		fi, err := os.Stat(cert)
		return err == nil && fi.Size() > 0
	})
	for _, tr := range []string{"tls", "wss"} {
		out, err := exec.Command(filepath.Join(bin, "rpcclient"), "-addr", addr, "-transport", tr, "-ca", cert, "-wire", "json", "-wait", "20s").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "result: 15" {
			t.Errorf("-transport %s: %q, %v\nserver log:\n%s", tr, out, err, serverLog.String())
		}
	}
}

// TestEveryTransport runs the example server and client over each
// transport; the ones with TLS trust the server's self-signed certificate,
// which the server writes for them.
func TestEveryTransport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two programs")
	}
	bin := programs(t)
	for _, tr := range []string{"tcp", "unix", "tls", "kcp", "quic", "websocket", "wss"} {
		t.Run(tr, func(t *testing.T) {
			dir := t.TempDir()
			addr := freeAddr(t)
			switch tr {
			case "unix":
				addr = filepath.Join(dir, "s.sock")
			case "kcp", "quic":
				addr = freeUDPAddr(t)
			}
			cert := filepath.Join(dir, "cert.pem")
			var serverLog bytes.Buffer
			srv := exec.Command(filepath.Join(bin, "rpcserver"), "-addr", addr, "-transport", tr, "-cert-out", cert)
			srv.Stderr = &serverLog
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				srv.Process.Signal(syscall.SIGTERM)
				srv.Wait()
			}()
			args := []string{"-addr", addr, "-transport", tr, "-wait", "20s"}
			if tr == "tls" || tr == "quic" || tr == "wss" {
				rpctest.WaitFor(t, "the server to write its certificate", func() bool {
					fi, err := os.Stat(cert)
					return err == nil && fi.Size() > 0
				})
				args = append(args, "-ca", cert)
			}
			out, err := exec.Command(filepath.Join(bin, "rpcclient"), args...).CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != "result: 15" {
				t.Fatalf("-transport %s: %q, %v\nserver log:\n%s", tr, out, err, serverLog.String())
			}
		})
	}
}

func freeUDPAddr(t *testing.T) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().String()
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
