package api_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/dmicro-go/dmicro/procman"
	"github.com/dmicro-go/dmicro/procman/api"
	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// Example serves a supervisor's XML-RPC interface, the one supervisorctl
// speaks, and asks it for its state as supervisorctl would.
func Example() {
	sup, err := procman.New(procman.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sup.Close()
	h, err := api.New(api.Config{Supervisor: sup})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(h) // on loopback
	defer srv.Close()

	c, err := xmlrpc.NewClient(srv.URL+"/RPC2", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	var state struct {
		StateCode int    `xmlrpc:"statecode"`
		StateName string `xmlrpc:"statename"`
	}
	if err := c.Call(context.Background(), "supervisor.getState", nil, &state); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(state.StateCode, state.StateName)
	// Output: 1 RUNNING
}
