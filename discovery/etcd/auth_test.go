package etcd

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/internal/etcdtest"
	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/internal/testenv"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// TestAuth: with auth enabled, a registry authenticates, authenticates
// again when etcd refuses its token, survives an etcd restart, and a wrong password is
// ErrAuth.
func TestAuth(t *testing.T) {
	leakcheck.Check(t)
	ctl := testenv.LookPath(t, "etcdctl", "apt-get install -y etcd-client")
	m := etcdtest.Start(t)
	ep := strings.TrimPrefix(m.ClientURL, "http://")
	for _, args := range [][]string{{"user", "add", "root:pw"}, {"auth", "enable"}} {
		cmd := exec.Command(ctl, append([]string{"--endpoints=" + ep}, args...)...)
		cmd.Env = append(cmd.Environ(), "ETCDCTL_API=3")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("etcdctl %v: %v\n%s", args, err, out)
		}
	}
	ctx := rpctest.Context(t)
	anon := newTestRegistry(t, Config{Endpoints: []string{m.ClientURL}})
	if _, err := anon.ListServices(ctx); !errors.Is(err, ErrAuth) {
		t.Fatalf("without a user: %v, want ErrAuth", err)
	}
	wrong := newTestRegistry(t, Config{Endpoints: []string{m.ClientURL}, Username: "root", Password: "nope"})
	if _, err := wrong.ListServices(ctx); !errors.Is(err, ErrAuth) {
		t.Fatalf("wrong password: %v, want ErrAuth", err)
	}
	r := newTestRegistry(t, Config{Endpoints: []string{m.ClientURL}, Username: "root", Password: "pw"})
	if err := r.Register(ctx, svc("math", "", "a"), discovery.RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	before := r.c.auths.Load()
	m.Restart(t, false)
	if ids := nodes(t, r, "math"); len(ids) != 1 {
		t.Fatalf("after the restart: %v", ids)
	}
	// etcd 3.4 replays its authentications from the WAL at restart, so
	// the token survived it: spoil the token to see it renewed.
	r.c.setToken("spoiled")
	if ids := nodes(t, r, "math"); len(ids) != 1 {
		t.Fatalf("with a spoiled token: %v", ids)
	}
	if n := r.c.auths.Load(); n <= before {
		t.Fatalf("no authentication after the token was refused (%d before, %d after)", before, n)
	}
}
