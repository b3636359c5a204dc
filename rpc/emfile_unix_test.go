//go:build unix

package rpc_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

// emfileChildEnv makes the test binary the server of
// TestAcceptBackoffOnEMFILE, with a file descriptor limit of emfileLimit.
const (
	emfileChildEnv = "DMICRO_RPC_EMFILE_CHILD"
	emfileLimit    = 64
)

// emfileChild serves Math on loopback with few file descriptors, prints
// its address, and exits when its stdin ends.
func emfileChild() {
	lim := syscall.Rlimit{Cur: emfileLimit, Max: emfileLimit}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0", FirstFrameTimeout: time.Second})
	if err == nil {
		_, err = srv.Router().RouteCall(new(Math))
	}
	var l net.Listener
	if err == nil {
		l, err = srv.Listen(context.Background())
	}
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	fmt.Println("addr", l.Addr())
	go srv.Serve(l)
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// TestAcceptBackoffOnEMFILE: a server out of file descriptors (a real
// child process with a limit of 64) keeps serving the connections it has,
// backs off its accepts instead of spinning, and once the silent
// connections that took the descriptors are closed by FirstFrameTimeout,
// takes new clients again. Before, with a 1024-fd limit, 1100 slow clients
// left a good client no success in 4 calls.
func TestAcceptBackoffOnEMFILE(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), emfileChildEnv+"=1")
	stdin, err := cmd.StdinPipe()
	must(t, err)
	out, err := cmd.StdoutPipe()
	must(t, err)
	cmd.Stderr = os.Stderr
	must(t, cmd.Start())
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "addr ") {
		t.Fatalf("the child server said %q, %v", line, err)
	}
	addr := strings.TrimSpace(strings.TrimPrefix(line, "addr "))

	cli, err := rpc.NewEndpoint(rpc.Config{})
	must(t, err)
	defer cli.Close()
	ctx := testCtx(t)
	good, err := cli.Dial(ctx, addr)
	must(t, err)
	call := func(s *rpc.Session) error {
		var sum int
		err := s.Call(ctx, "/math/add", []int{2, 2}, &sum)
		if err == nil && sum != 4 {
			err = fmt.Errorf("sum %d", sum)
		}
		return err
	}
	must(t, call(good))

	// Twice the server's descriptors in silent connections.
	for range 2 * emfileLimit {
		dialFrom(t, "127.0.0.2", addr)
	}
	// The connection the server has is served while it runs out.
	for i := range 20 {
		if err := call(good); err != nil {
			t.Fatalf("call %d on the connection the server had: %v", i, err)
		}
	}
	// The silent ones are cut at FirstFrameTimeout, freeing descriptors;
	// a new client gets in once they are.
	fresh, err := rpc.NewEndpoint(rpc.Config{Redial: rpc.RedialPolicy{Attempts: -1, MinDelay: 50 * time.Millisecond}})
	must(t, err)
	defer fresh.Close()
	s, err := fresh.Dial(ctx, addr)
	must(t, err)
	waitFor(t, "a new client to be served", func() bool {
		return s.Call(ctx, "/math/add", []int{2, 2}, nil, rpc.WithWaitForReady()) == nil
	})
}
