package wire_test

import (
	"fmt"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

func ExampleMetadata() {
	var md wire.Metadata
	md.Set("author", "liu")
	md.Set("trace", "abc")
	md.Set("author", "zhang")
	md.Range(func(k, v string) bool {
		fmt.Println(k, v)
		return true
	})
	// Output:
	// author zhang
	// trace abc
}
