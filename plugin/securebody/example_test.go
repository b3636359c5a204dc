package securebody_test

import (
	"context"
	"fmt"
	"log"

	"github.com/dmicro-go/dmicro/plugin/securebody"
	"github.com/dmicro-go/dmicro/rpc"
)

// Example seals one call and sends another in the clear, to a server whose
// /vault routes take only sealed bodies.
func Example() {
	ctx := context.Background()
	// Both ends share the key; a real one comes from a secret store.
	sb, err := securebody.New([]byte("an example key, 32 bytes long..."))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sb) // the key is never printed

	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"}, sb)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	vault, err := srv.Router().Group("/vault", securebody.Required())
	if err != nil {
		log.Fatal(err)
	}
	err = vault.HandleCall("/open", rpc.CallFunc(func(_ *rpc.CallCtx, code *string) (string, error) {
		return "opened with " + *code, nil
	}))
	if err != nil {
		log.Fatal(err)
	}
	l, err := srv.Listen(ctx)
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)

	cli, err := rpc.NewEndpoint(rpc.Config{}, sb)
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	sess, err := cli.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}

	// The call and its reply cross the wire sealed.
	var reply string
	err = sess.Call(ctx, "/vault/open", "1234", &reply, securebody.On())
	fmt.Println(reply, err)

	// Without the flag the call goes in the clear, and the vault refuses it.
	err = sess.Call(ctx, "/vault/open", "1234", &reply)
	fmt.Println(err)
	// Output:
	// securebody(aes-gcm(key redacted, 256-bit))
	// opened with 1234 <nil>
	// rpc: unauthorized: securebody: body not sealed: /vault/open takes only sealed bodies, and this call was sent in the clear
}
