package auth_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/dmicro-go/dmicro/plugin/auth"
	"github.com/dmicro-go/dmicro/rpc"
)

// Example authenticates a client by a bearer token and hands the server's
// handlers the caller's identity.
func Example() {
	ctx := context.Background()

	// The server's Verify maps a credential to an identity. A real one
	// checks a signature or asks a token store.
	users := map[string]string{"Bearer s3cret": "alice"}
	server, err := auth.NewServer(auth.ServerConfig{
		Verify: func(ctx context.Context, cred string, s *rpc.Session) (any, error) {
			user, ok := users[cred]
			if !ok {
				return nil, errors.New("unknown token")
			}
			return user, nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	srv, err := rpc.NewEndpoint(rpc.Config{ListenAddr: "127.0.0.1:0"}, server)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	err = srv.Router().HandleCall("/whoami", rpc.CallFunc(func(c *rpc.CallCtx, _ *struct{}) (string, error) {
		user, _ := auth.IdentityFrom(c.Context())
		return fmt.Sprint("you are ", user), nil
	}))
	if err != nil {
		log.Fatal(err)
	}
	l, err := srv.Listen(ctx)
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)

	// The client presents its token right after the dial, and with every
	// call.
	client, err := auth.NewClient(auth.ClientConfig{Token: "s3cret"})
	if err != nil {
		log.Fatal(err)
	}
	cli, err := rpc.NewEndpoint(rpc.Config{}, client)
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	sess, err := cli.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	var reply string
	err = sess.Call(ctx, "/whoami", struct{}{}, &reply)
	fmt.Println(reply, err)

	// An endpoint without the client plugin sends no credential: its
	// call is refused and the server closes the session.
	anon, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer anon.Close()
	sess, err = anon.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	err = sess.Call(ctx, "/whoami", struct{}{}, &reply)
	fmt.Println(rpc.CodeOf(err), err)
	<-sess.Done()
	fmt.Println("closed")
	// Output:
	// you are alice <nil>
	// unauthorized rpc: unauthorized: auth: missing credential
	// closed
}
