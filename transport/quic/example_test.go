package quic_test

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/dmicro-go/dmicro/transport"
	"github.com/dmicro-go/dmicro/transport/quic"
)

// echoOnce serves one connection of ln: it writes back what it reads until
// the client closes.
func echoOnce(ln net.Listener, done chan<- struct{}) {
	defer close(done)
	c, err := ln.Accept()
	if err != nil {
		return
	}
	defer c.Close()
	io.Copy(c, c) // the first Read waits for the client's stream
}

func Example() {
	ctx := context.Background()
	cert, err := transport.NewSelfSigned() // localhost, 127.0.0.1 and ::1
	if err != nil {
		fmt.Println(err)
		return
	}
	server := quic.New(quic.Config{TLS: cert.ServerConfig()})
	ln, err := server.Listen(ctx, "udp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()
	done := make(chan struct{})
	go echoOnce(ln, done)

	// ServerName is taken from the address: 127.0.0.1 is in the certificate.
	client := quic.New(quic.Config{TLS: cert.ClientConfig()})
	c, err := client.Dial(ctx, "udp", ln.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	io.WriteString(c, "hello over quic")
	buf := make([]byte, len("hello over quic"))
	if _, err := io.ReadFull(c, buf); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(buf))
	c.Close() // the server reads io.EOF, and closes too
	<-done
	// Output: hello over quic
}
