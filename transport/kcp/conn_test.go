package kcp_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/transport/kcp"
)

// pair returns a dialed connection and the one its listener accepted.
func pair(t *testing.T, cfg kcp.Config) (client, server net.Conn, l net.Listener) {
	t.Helper()
	tr := kcp.Transport{Config: cfg}
	l, err := tr.Listen(rpctest.Context(t), "udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return pairOn(t, tr, l)
}

// TestEchoBothWays sends several MiB each way at once and reads them back
// whole; a close then reads as io.EOF on the other side after the data.
func TestEchoBothWays(t *testing.T) {
	leakcheck.Check(t)
	client, server, _ := pair(t, testConfig)
	const size = 3 << 20
	data := make([]byte, size)
	rand.Read(data)
	errs := make(chan error, 2)
	go func() { _, err := io.Copy(server, server); errs <- err }() // echo until the client's CLOSE
	go func() {
		_, err := client.Write(data)
		errs <- err
	}()
	got := make([]byte, size)
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("the echo differs")
	}
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	client.Close()
	if err := <-errs; err != nil { // io.Copy ends at the CLOSE: EOF
		t.Fatalf("echo: %v", err)
	}
	server.Close()
	t.Logf("closed in %v", time.Since(start))
}

// pairOn dials l with tr and returns both ends, opened.
func pairOn(t *testing.T, tr kcp.Transport, l net.Listener) (client, server net.Conn, _ net.Listener) {
	t.Helper()
	accepted := make(chan net.Conn, 1)
	go func() {
		defer close(accepted)
		c, err := l.Accept()
		if err != nil {
			return
		}
		accepted <- c
		c.(interface{ HandshakeContext(context.Context) error }).HandshakeContext(rpctest.Context(t))
	}()
	client, err := tr.Dial(rpctest.Context(t), "udp", l.Addr().String())
	if err != nil {
		if c, ok := <-accepted; ok {
			c.Close()
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { server.Close() })
	return client, server, l
}

// TestDSCP: a DSCP is set on the listening and dialed sockets (the kernel
// refuses a bad one), and the connection works.
func TestDSCP(t *testing.T) {
	leakcheck.Check(t)
	cfg := testConfig
	cfg.DSCP = 46 // expedited forwarding
	client, server, _ := pair(t, cfg)
	client.Write([]byte("ef"))
	buf := make([]byte, 2)
	if _, err := io.ReadFull(server, buf); err != nil || string(buf) != "ef" {
		t.Fatalf("%q, %v", buf, err)
	}
}
