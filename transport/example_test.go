package transport_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"

	"github.com/dmicro-go/dmicro/transport"
)

// echo serves one connection of ln: it writes back one line, then closes.
func echo(ln net.Listener, done chan<- struct{}) {
	defer close(done)
	c, err := ln.Accept()
	if err != nil {
		return
	}
	defer c.Close()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return
	}
	io.WriteString(c, line)
}

func ExampleNet() {
	ctx := context.Background()
	var tr transport.Net
	ln, err := tr.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()
	done := make(chan struct{})
	go echo(ln, done)
	defer func() { <-done }()

	c, err := tr.Dial(ctx, "tcp", ln.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	io.WriteString(c, "hello over tcp\n")
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(line)
	// Output: hello over tcp
}

func ExampleTLS() {
	ctx := context.Background()
	cert, err := transport.NewSelfSigned() // localhost, 127.0.0.1 and ::1
	if err != nil {
		fmt.Println(err)
		return
	}
	server := transport.TLS{Config: cert.ServerConfig()}
	ln, err := server.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()
	done := make(chan struct{})
	go echo(ln, done)
	defer func() { <-done }()

	// ServerName is taken from the address: 127.0.0.1 is in the certificate.
	client := transport.TLS{Config: cert.ClientConfig()}
	c, err := client.Dial(ctx, "tcp", ln.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	io.WriteString(c, "hello over tls\n")
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(line)
	// Output: hello over tls
}

// inherited is a Binder that serves the listening sockets a process was
// handed, by network and address, and binds fresh sockets for the others, as
// a hot restart does. A real one hands out a duplicate of each socket's file
// descriptor, so that it keeps the socket for the next restart; this one
// gives the socket itself, which the transport closes with its listener.
type inherited map[string]net.Listener

func (in inherited) Listen(ctx context.Context, network, addr string) (net.Listener, error) {
	if ln, ok := in[network+" "+addr]; ok {
		return ln, nil
	}
	return transport.Bind{}.Listen(ctx, network, addr)
}

func (in inherited) ListenPacket(ctx context.Context, network, addr string) (net.PacketConn, error) {
	return transport.Bind{}.ListenPacket(ctx, network, addr)
}

func ExampleBinder() {
	ctx := context.Background()
	// A socket opened before, as the process that ran before a restart did.
	old, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	addr := old.Addr().String()

	// Without the Binder, Listen would fail: the address is in use.
	tr := transport.Net{Binder: inherited{"tcp " + addr: old}}
	ln, err := tr.Listen(ctx, "tcp", addr)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close() // closes old too
	done := make(chan struct{})
	go echo(ln, done)
	defer func() { <-done }()

	c, err := tr.Dial(ctx, "tcp", addr)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	io.WriteString(c, "hello over an inherited socket\n")
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(line)
	// Output: hello over an inherited socket
}
