package rpcdisc_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/discovery/rpcdisc"
	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// refusing is a registry that refuses every registration.
type refusing struct{ discovery.Registry }

var errRefused = errors.New("refused")

func (refusing) Register(context.Context, discovery.Service, discovery.RegisterOptions) error {
	return errRefused
}

func serve(t *testing.T, ep *rpc.Endpoint) (net.Addr, error) {
	t.Helper()
	l, err := ep.Listen(rpctest.Context(t))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ep.Serve(l) }()
	t.Cleanup(func() { ep.Close(); <-done })
	select {
	case err := <-done:
		done <- err
		return l.Addr(), err
	default:
		return l.Addr(), nil
	}
}

func TestRegisterFailureFailsServe(t *testing.T) {
	leakcheck.Check(t)
	reg := discovery.NewMemory(discovery.MemoryConfig{})
	defer reg.Close()
	for name, tc := range map[string]struct {
		reg  discovery.Registry
		svc  rpcdisc.ServiceConfig
		want error
	}{
		"refused": {refusing{reg}, rpcdisc.ServiceConfig{Name: service}, errRefused},
		"no name": {reg, rpcdisc.ServiceConfig{}, discovery.ErrInvalid},
	} {
		t.Run(name, func(t *testing.T) {
			ep, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"}, rpcdisc.Register(tc.reg, tc.svc))
			if err != nil {
				t.Fatal(err)
			}
			l, err := ep.Listen(rpctest.Context(t))
			if err != nil {
				t.Fatal(err)
			}
			err = ep.Serve(l)
			ep.Close()
			if !errors.Is(err, tc.want) {
				t.Fatalf("Serve: %v, want an error wrapping %v", err, tc.want)
			}
		})
	}
}

func TestRegisterNodes(t *testing.T) {
	leakcheck.Check(t)
	reg := discovery.NewMemory(discovery.MemoryConfig{})
	defer reg.Close()
	ep, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"}, rpcdisc.Register(reg, rpcdisc.ServiceConfig{
		Name: service, Version: "v2", Metadata: map[string]string{"team": "x"},
		NodeMetadata: map[string]string{"zone": "z1"}, Weight: 4,
	}))
	if err != nil {
		t.Fatal(err)
	}
	a1, _ := serve(t, ep)
	a2, _ := serve(t, ep) // a second listener is a second node
	rpctest.WaitFor(t, "two nodes", func() bool {
		return registered(reg, a1.String()) && registered(reg, a2.String())
	})
	svcs, err := reg.GetService(rpctest.Context(t), service)
	if err != nil {
		t.Fatal(err)
	}
	s := svcs[0]
	if s.Version != "v2" || s.Metadata["team"] != "x" || len(s.Nodes) != 2 {
		t.Fatalf("registered %+v", s)
	}
	for _, n := range s.Nodes {
		if n.Address != n.ID || n.Weight != 4 || n.Metadata["zone"] != "z1" {
			t.Fatalf("node %+v", n)
		}
	}
	if err := ep.Shutdown(rpctest.Context(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.GetService(rpctest.Context(t), service); !errors.Is(err, discovery.ErrNotFound) {
		t.Fatalf("after Shutdown: %v, want ErrNotFound", err)
	}
}

func TestRegisterAdvertise(t *testing.T) {
	leakcheck.Check(t)
	reg := discovery.NewMemory(discovery.MemoryConfig{})
	defer reg.Close()
	for _, tc := range []struct{ listen, advertise string }{
		{"0.0.0.0:0", ""},
		{"127.0.0.1:0", "10.1.2.3"},
		{"127.0.0.1:0", "svc.example:7000"},
	} {
		ep, err := rpc.NewEndpoint(rpc.Config{ListenAddr: tc.listen}, rpcdisc.Register(reg, rpcdisc.ServiceConfig{
			Name: service, NodeID: "n", Advertise: tc.advertise,
		}))
		if err != nil {
			t.Fatal(err)
		}
		addr, err := serve(t, ep)
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(addr.String())
		rpctest.WaitFor(t, "the node", func() bool { return registered(reg, "n") })
		svcs, _ := reg.GetService(rpctest.Context(t), service)
		got := svcs[0].Nodes[0].Address
		host, gotPort, err := net.SplitHostPort(got)
		switch {
		case err != nil:
			t.Fatalf("listen %s advertise %q: published %q", tc.listen, tc.advertise, got)
		case tc.advertise == "":
			if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() || gotPort != port {
				t.Fatalf("listen on every interface: published %q", got)
			}
		case tc.advertise == "10.1.2.3":
			if got != net.JoinHostPort("10.1.2.3", port) {
				t.Fatalf("advertise a host: published %q, want port %s", got, port)
			}
		default:
			if got != tc.advertise {
				t.Fatalf("advertise %q: published %q", tc.advertise, got)
			}
		}
		ep.Close()
	}
}

func TestRegisterOneEndpoint(t *testing.T) {
	reg := discovery.NewMemory(discovery.MemoryConfig{})
	defer reg.Close()
	p := rpcdisc.Register(reg, rpcdisc.ServiceConfig{Name: service})
	ep, err := rpc.NewEndpoint(rpc.Config{}, p)
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	if ep2, err := rpc.NewEndpoint(rpc.Config{}, p); err == nil {
		ep2.Close()
		t.Fatal("one plugin given to a second endpoint: no error")
	}
}
