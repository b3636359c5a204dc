package rpctest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
)

// The protocol between the suite and a child server process: the child is
// the test binary itself, run with the top-level test that called Run,
// childEnv naming the environment to serve and addrEnv the address. It
// reports on stdout, in lines that start with childPrefix, the address it
// listens on and when a /hang call has reached its handler.
const (
	childEnv    = "DMICRO_RPCTEST_CHILD"
	addrEnv     = "DMICRO_RPCTEST_ADDR"
	childPrefix = "rpctest-child: "
)

// childTarget returns the name of the environment this process serves as a
// child, if it is one.
func childTarget() (string, bool) { return os.LookupEnv(childEnv) }

// serveChild serves env until the process is killed, or until its stdin
// ends: the parent is gone.
func serveChild(t *testing.T, env Env) {
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(3)
	}()
	report := func(format string, args ...any) {
		fmt.Fprintf(os.Stdout, childPrefix+format+"\n", args...)
	}
	ep, err := rpc.NewEndpoint(env.config(rpc.Config{}, true))
	if err != nil {
		report("error %v", err)
		os.Exit(2)
	}
	registerServices(ep)
	err = ep.Router().HandleCall("/hang", rpc.CallFunc(func(c *rpc.CallCtx, _ *struct{}) (int, error) {
		report("hanging")
		<-c.Context().Done()
		return 0, nil
	}))
	if err != nil {
		report("error %v", err)
		os.Exit(2)
	}
	l, err := env.Server.Listen(context.Background(), env.Network, os.Getenv(addrEnv))
	if err != nil {
		report("error %v", err)
		os.Exit(2)
	}
	go ep.Serve(l)
	report("addr %s", l.Addr())
	select {}
}

// testServerProcessKilled kills the server process with SIGKILL while a
// call waits for its handler: the caller gets a Status that says the
// connection closed, well before the call's deadline, and never hangs.
func testServerProcessKilled(t *testing.T, env Env) {
	leakcheck.Check(t)
	top, _, _ := strings.Cut(t.Name(), "/")
	cmd := exec.Command(os.Args[0], "-test.run=^"+regexp.QuoteMeta(top)+"$", "-test.count=1", "-test.shuffle=off")
	certs, err := certEnviron()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(append(os.Environ(), childEnv+"="+env.Name, addrEnv+"="+env.Addr(t)), certs...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe() // the child exits when it ends
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 8)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), childPrefix); ok {
				select {
				case lines <- line:
				default:
				}
			}
		}
	}()
	killed := false
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() && !killed {
			t.Logf("the child's stderr:\n%s", stderr.String())
		}
	})
	next := func(what string) string {
		t.Helper()
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("the child ended before it said %s; its stderr:\n%s", what, stderr.String())
			}
			if strings.HasPrefix(line, "error ") {
				t.Fatalf("the child: %s", line)
			}
			return line
		case <-Context(t).Done():
			t.Fatalf("the child never said %s", what)
		}
		return ""
	}
	addr, ok := strings.CutPrefix(next("its address"), "addr ")
	if !ok {
		t.Fatalf("the child said %q, want its address", addr)
	}

	cli := newClient(t, env, rpc.Config{}, nil)
	sess := dial(t, cli, addr)
	call := sess.AsyncCall(Context(t), "/hang", struct{}{}, nil)
	if line := next("that the call arrived"); line != "hanging" {
		t.Fatalf("the child said %q, want hanging", line)
	}
	killed = true
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := call.Err(); rpc.CodeOf(err) != rpc.CodeConnClosed {
		t.Fatalf("the call to a killed server: %v, want a status with CodeConnClosed", err)
	}
}
