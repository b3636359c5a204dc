package mdns_test

import (
	"context"
	"fmt"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/discovery/mdns"
)

func Example() {
	// LocalOnly keeps this example off the network; a real program leaves
	// Config zero (every multicast interface, port 5353).
	reg, err := mdns.NewRegistry(mdns.Config{LocalOnly: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer reg.Close()
	ctx := context.Background()
	err = reg.Register(ctx, discovery.Service{
		Name:    "greeter",
		Version: "1.0",
		Nodes:   []discovery.Node{{ID: "node-1", Address: "127.0.0.1:8080", Metadata: map[string]string{"zone": "a"}}},
	}, discovery.RegisterOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	svcs, err := reg.GetService(ctx, "greeter")
	if err != nil {
		fmt.Println(err)
		return
	}
	n := svcs[0].Nodes[0]
	fmt.Println(svcs[0].Name, svcs[0].Version, n.ID, n.Address, n.Metadata["zone"])
	// Output: greeter 1.0 node-1 127.0.0.1:8080 a
}
