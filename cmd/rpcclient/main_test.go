package main

import (
	"errors"
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
	if testing.Short() {
		t.Skip("builds and runs two programs")
	}
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

// server is cmd/rpcserver running in the foreground, `rpcserver start`,
// with its configuration, pid file, control socket and log in dir.
type server struct {
	t       *testing.T
	bin     string
	args    []string // --config, --pid and --log
	log     string
	cmd     *exec.Cmd
	exited  chan error
	stopped bool
	err     error
}

// startServer writes conf to dir/rpcserver.conf and runs `rpcserver start`
// with it; the test's end stops it with SIGTERM.
func startServer(t *testing.T, dir, conf string) *server {
	t.Helper()
	bin := programs(t)
	path := filepath.Join(dir, "rpcserver.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &server{
		t: t, bin: bin, log: filepath.Join(dir, "rpcserver.log"), exited: make(chan error, 1),
	}
	s.args = []string{"--config", path, "--pid", filepath.Join(dir, "rpcserver.pid"), "--log", s.log}
	s.cmd = exec.Command(filepath.Join(bin, "rpcserver"), append([]string{"start"}, s.args...)...)
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exited <- s.cmd.Wait() }()
	t.Cleanup(func() { s.stop() })
	return s
}

// stop sends SIGTERM and returns how the server exited.
func (s *server) stop() error {
	if s.stopped {
		return s.err
	}
	s.stopped = true
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case s.err = <-s.exited:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
		s.err = errors.New("rpcserver did not exit within 30s of SIGTERM")
	}
	return s.err
}

// logText returns what the server logged so far.
func (s *server) logText() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

// client runs cmd/rpcclient with args and checks that it prints the sum.
func (s *server) client(args ...string) {
	s.t.Helper()
	args = append(args, "-wait", "20s")
	out, err := exec.Command(filepath.Join(s.bin, "rpcclient"), args...).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "result: 15" {
		s.t.Errorf("rpcclient %s: %q, %v\nserver log:\n%s", strings.Join(args, " "), out, err, s.logText())
	}
}

// waitForCert waits until the server has written its self-signed
// certificate to path.
func waitForCert(t *testing.T, path string) {
	t.Helper()
	rpctest.WaitFor(t, "the server to write its certificate", func() bool {
		fi, err := os.Stat(path)
		return err == nil && fi.Size() > 0
	})
}

// TestSeedExample builds cmd/rpcserver and cmd/rpcclient, runs the server
// as a real process on a free port, runs the client against it, checks
// that it prints the sum, then stops the server with SIGTERM and checks
// that it exits cleanly after logging the call's author.
func TestSeedExample(t *testing.T) {
	addr := freeAddr(t)
	srv := startServer(t, t.TempDir(), fmt.Sprintf("[sandbox.DRpcSandBox]\nListenAddr = %s\n", addr))
	srv.client("-addr", addr)
	if err := srv.stop(); err != nil {
		t.Fatalf("rpcserver exited with %v\n%s", err, srv.logText())
	}
	if !strings.Contains(srv.logText(), "author=liuzhiming") {
		t.Errorf("the server did not log the author:\n%s", srv.logText())
	}
}

// TestReloadWhileCalling is `make demo`: it starts cmd/rpcserver detached,
// runs the client's call loop while reloading the server twice, checks
// that no call failed and that status shows the server running, and
// stops it; over TCP, and over QUIC, whose UDP socket and self-signed
// certificate pass to the new process too.
func TestReloadWhileCalling(t *testing.T) {
	bin := programs(t)
	for _, tr := range []string{"tcp", "quic"} {
		t.Run(tr, func(t *testing.T) {
			dir := t.TempDir()
			addr := freeAddr(t)
			text := fmt.Sprintf("[sandbox.DRpcSandBox]\nListenAddr = %s\n", addr)
			client := []string{"-addr", addr, "-loop", "3s", "-wait", "10s"}
			if tr == "quic" {
				addr = freeUDPAddr(t)
				cert := filepath.Join(dir, "cert.pem")
				text = fmt.Sprintf("[sandbox.DRpcSandBox]\nListenAddr = %s\n\n[rpcserver]\ntransport = quic\ncert_out = %q\n", addr, cert)
				client = []string{"-addr", addr, "-transport", "quic", "-ca", cert, "-loop", "3s", "-wait", "10s"}
			}
			conf := filepath.Join(dir, "rpcserver.conf")
			if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			logFile := filepath.Join(dir, "rpcserver.log")
			run := func(args ...string) (string, int) {
				t.Helper()
				args = append(args, "--config", conf, "--pid", filepath.Join(dir, "rpcserver.pid"), "--log", logFile)
				cmd := exec.Command(filepath.Join(bin, "rpcserver"), args...)
				out, err := cmd.CombinedOutput()
				var ee *exec.ExitError
				if err != nil && !errors.As(err, &ee) {
					t.Fatal(err)
				}
				return string(out), cmd.ProcessState.ExitCode()
			}
			if out, code := run("start", "-d"); code != 0 {
				t.Fatalf("start -d exited %d: %s", code, out)
			}
			t.Cleanup(func() { run("stop") })

			loop := exec.Command(filepath.Join(bin, "rpcclient"), client...)
			var loopOut strings.Builder
			loop.Stdout, loop.Stderr = &loopOut, &loopOut
			if err := loop.Start(); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				time.Sleep(500 * time.Millisecond)
				if out, code := run("reload"); code != 0 {
					t.Errorf("reload exited %d: %s", code, out)
				}
			}
			err := loop.Wait()
			log, _ := os.ReadFile(logFile)
			if err != nil || !strings.Contains(loopOut.String(), " succeeded, 0 failed") {
				t.Errorf("rpcclient -loop: %v\n%s\nserver log:\n%s", err, loopOut.String(), log)
			}
			if out, code := run("status"); code != 0 || !strings.Contains(out, "RUNNING") {
				t.Errorf("status exited %d: %s", code, out)
			}
			if out, code := run("stop"); code != 0 {
				t.Errorf("stop exited %d: %s", code, out)
			}
			if out, code := run("status"); code != 3 {
				t.Errorf("status after stop exited %d, want 3: %s", code, out)
			}
		})
	}
}

// TestEveryWireOnOnePort runs cmd/rpcserver with every format on one port
// (Formats in its sandbox's section) and the example client in each format
// against it, over TCP and over WebSocket, which the same port serves.
func TestEveryWireOnOnePort(t *testing.T) {
	addr := freeAddr(t)
	srv := startServer(t, t.TempDir(), fmt.Sprintf("[sandbox.DRpcSandBox]\nListenAddr = %s\nFormats = raw, json, pb, http, jsonrpc\n", addr))
	for _, tr := range []string{"tcp", "websocket"} {
		for _, wire := range []string{"raw", "json", "pb", "http", "jsonrpc"} {
			srv.client("-addr", addr, "-transport", tr, "-wire", wire)
		}
	}
}

// TestWSSOnTheTLSPort runs cmd/rpcserver over TLS with a self-signed
// certificate and every format on one port, and calls that port with the
// example client over TLS and over wss.
func TestWSSOnTheTLSPort(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	cert := filepath.Join(dir, "cert.pem")
	srv := startServer(t, dir, fmt.Sprintf("[sandbox.DRpcSandBox]\nListenAddr = %s\nFormats = raw, json, pb, http, jsonrpc\n\n[rpcserver]\ntransport = tls\ncert_out = %q\n", addr, cert))
	waitForCert(t, cert)
	for _, tr := range []string{"tls", "wss"} {
		srv.client("-addr", addr, "-transport", tr, "-ca", cert, "-wire", "json")
	}
}

// TestEveryTransport runs the example server and client over each
// transport; the ones with TLS trust the server's self-signed certificate,
// which the server writes for them.
func TestEveryTransport(t *testing.T) {
	programs(t)
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
			conf := fmt.Sprintf("[sandbox.DRpcSandBox]\nListenAddr = %q\n\n[rpcserver]\ntransport = %s\ncert_out = %q\n", addr, tr, cert)
			if tr == "unix" { // the sandbox's section says it too
				conf = fmt.Sprintf("[sandbox.DRpcSandBox]\nNetwork = unix\nListenAddr = %q\n", addr)
			}
			srv := startServer(t, dir, conf)
			args := []string{"-addr", addr, "-transport", tr}
			if tr == "tls" || tr == "quic" || tr == "wss" {
				waitForCert(t, cert)
				args = append(args, "-ca", cert)
			}
			srv.client(args...)
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
