package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/dmicro-go/dmicro/internal/loadgen"
)

// TestRPCBench builds the command and runs it briefly the way a user does,
// with its own server process, over tcp and over quic (whose certificate
// the server writes and the client trusts), with a frame format and a
// codec other than the defaults.
func TestRPCBench(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the command")
	}
	bin := filepath.Join(t.TempDir(), "rpcbench")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, args := range [][]string{
		{"-callers", "8", "-conns", "2"},
		{"-transport", "quic", "-wire", "pb", "-codec", "json", "-size", "1000"},
		{"-calls", "300", "-rate", "2000"},
	} {
		out, err := exec.Command(bin, append(args, "-json", "-warmup", "100ms", "-duration", "300ms")...).Output()
		if err != nil {
			t.Fatalf("rpcbench %v: %v", args, err)
		}
		var r loadgen.Result
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("rpcbench %v printed %q: %v", args, out, err)
		}
		if r.Calls == 0 || r.Errors != 0 || r.Client.CPU <= 0 || r.Server.CPU <= 0 || r.System != "dmicro" {
			t.Fatalf("rpcbench %v: %+v", args, r)
		}
	}
}
