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
