package main

import (
	"bytes"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSeedExample builds cmd/rpcserver and cmd/rpcclient, runs the server as
// a real process on a free port, runs the client against it, checks that it
// prints the sum, then stops the server with SIGTERM and checks that it
// exits cleanly after logging the call's author.
func TestSeedExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two programs")
	}
	bin := t.TempDir()
	for _, name := range []string{"rpcserver", "rpcclient"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(bin, name), "../"+name).CombinedOutput()
		if err != nil {
			t.Fatalf("go build %s: %v\n%s", name, err, out)
		}
	}
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
// example client in each format against the one port.
func TestEveryWireOnOnePort(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two programs")
	}
	bin := t.TempDir()
	for _, name := range []string{"rpcserver", "rpcclient"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(bin, name), "../"+name).CombinedOutput()
		if err != nil {
			t.Fatalf("go build %s: %v\n%s", name, err, out)
		}
	}
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
	for _, wire := range []string{"raw", "json", "pb", "http", "jsonrpc"} {
		out, err := exec.Command(filepath.Join(bin, "rpcclient"), "-addr", addr, "-wire", wire, "-wait", "20s").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "result: 15" {
			t.Errorf("-wire %s: %q, %v\nserver log:\n%s", wire, out, err, serverLog.String())
		}
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
