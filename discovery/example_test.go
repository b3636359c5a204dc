package discovery_test

import (
	"context"
	"fmt"

	"github.com/dmicro-go/dmicro/discovery"
)

func Example() {
	ctx := context.Background()

	// One in-process registry, shared by every endpoint of the process.
	reg := discovery.NewMemory(discovery.MemoryConfig{})
	defer reg.Close()

	// A client reads through a cache: from memory, kept current by a watch.
	cache := discovery.NewCache(reg, discovery.CacheConfig{})
	defer cache.Close()

	math := discovery.Service{Name: "math", Version: "v1", Nodes: []discovery.Node{
		{ID: "math-2", Address: "127.0.0.1:9002"},
		{ID: "math-1", Address: "127.0.0.1:9001", Weight: 2},
	}}
	if err := reg.Register(ctx, math, discovery.RegisterOptions{}); err != nil {
		fmt.Println(err)
		return
	}

	svcs, err := cache.GetService(ctx, "math")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range svcs {
		for _, n := range s.Nodes { // sorted by id; shared by the cache: read only
			fmt.Println(s.Name, s.Version, n.ID, n.Address, n.Weight)
		}
	}

	_, err = cache.GetService(ctx, "echo")
	fmt.Println(err)
	// Output:
	// math v1 math-1 127.0.0.1:9001 2
	// math v1 math-2 127.0.0.1:9002 0
	// discovery: service not found: "echo"
}
