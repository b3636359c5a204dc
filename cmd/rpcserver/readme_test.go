package main

import (
	"os"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/lifecycle/conf"
)

// TestReadme keeps README.md's copy of this program, the port of the
// seed's rbc_server.go, identical to main.go, and checks that README's
// example configuration loads.
func TestReadme(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	b, err = os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	code := strings.TrimSpace(src[strings.Index(src, "package main"):])
	if !strings.Contains(readme, "```go\n"+code+"\n```") {
		t.Errorf("README.md's lifecycle section differs from cmd/rpcserver/main.go; copy this into it:\n%s", code)
	}

	start := strings.Index(readme, "; rpcserver.conf\n")
	if start < 0 {
		t.Fatal("README.md has no rpcserver.conf")
	}
	text := readme[start:]
	text = text[:strings.Index(text, "```")]
	f, err := conf.Parse("rpcserver.conf", []byte(text), "dev", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.Sandbox("DRpcSandBox").Endpoint()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ListenAddr != "127.0.0.1:9091" || len(cfg.Formats) != 5 {
		t.Errorf("README's rpcserver.conf with --env dev: ListenAddr %q, %d formats; want 127.0.0.1:9091 and 5", cfg.ListenAddr, len(cfg.Formats))
	}
	if got := f.Section("rpcserver").String("transport", ""); got != "tcp" {
		t.Errorf("[rpcserver] transport = %q, want tcp", got)
	}
}
