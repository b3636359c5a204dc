package etcd_test

import (
	"fmt"

	"github.com/dmicro-go/dmicro/discovery/etcd"
)

// The key of a node: what etcdctl shows under the prefix.
func ExampleConfig_Key() {
	cfg := etcd.Config{Endpoints: []string{"127.0.0.1:2379"}}
	fmt.Println(cfg.Key("math", "v1", "node-1"))
	fmt.Println(etcd.Config{Prefix: "/prod/services"}.Key("math", "", "node-1"))
	// Output:
	// /dmicro/registry/math/v1/node-1
	// /prod/services/math//node-1
}
