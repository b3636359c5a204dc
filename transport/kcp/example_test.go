package kcp_test

import (
	"context"
	"fmt"
	"io"
	"log"

	"github.com/dmicro-go/dmicro/transport/kcp"
)

// A KCP echo: listen, dial, write, read the echo back.
func Example() {
	ctx := context.Background()
	tr := kcp.Transport{Config: kcp.Config{Crypt: "aes-gcm", Key: []byte("a 32-byte key, for the example!!")}}
	l, err := tr.Listen(ctx, "udp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(c, c) // echo until the client closes
	}()

	c, err := tr.Dial(ctx, "udp", l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("hello over KCP"))
	buf := make([]byte, len("hello over KCP"))
	if _, err := io.ReadFull(c, buf); err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(buf))
	// Output: hello over KCP
}
