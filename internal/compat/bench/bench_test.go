package bench

import (
	"context"
	"net"
	"os/exec"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/internal/loadgen"
)

// TestSystems runs a short load against each system, served in this
// process: every call succeeds and both sides' usage is read.
func TestSystems(t *testing.T) {
	for name, sys := range Systems {
		t.Run(name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			served := make(chan struct{})
			go func() {
				defer close(served)
				sys.Serve(l)
			}()
			defer func() {
				l.Close()
				<-served
			}()
			r, err := Load(context.Background(), sys, name, l.Addr().String(), 2, loadgen.Options{Callers: 4, Calls: 300})
			if err != nil {
				t.Fatal(err)
			}
			if r.Calls != 300 || r.Errors != 0 || r.Client.CPU <= 0 || r.Server.CPU <= 0 {
				t.Fatalf("%+v", r)
			}
		})
	}
}

// TestCompare runs the comparison command briefly, as make bench-compare
// does at length, and checks that its table has every system's row.
func TestCompare(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the benchmark programs")
	}
	out, err := exec.Command("go", "run", "./cmd/compare", "-runs", "1", "-duration", "200ms", "-warmup", "50ms",
		"-systems", "echo,echo-coalesced,netrpc,grpc,dmicro,dmicro-http").CombinedOutput()
	if err != nil {
		t.Fatalf("compare: %v\n%s", err, out)
	}
	for _, row := range []string{"| echo |", "| echo-coalesced |", "| netrpc |", "| grpc |", "| dmicro |", "| dmicro / grpc |", "| dmicro-http / dmicro |"} {
		if !strings.Contains(string(out), row) {
			t.Errorf("no row %q in:\n%s", row, out)
		}
	}
}
