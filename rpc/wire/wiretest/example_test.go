package wiretest_test

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire/raw"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// ExampleRun shows a format package's conformance test: one call runs
// every behaviour a frame format must keep against the format.
func ExampleRun() {
	// In the format package's suite_test.go:
	_ = func(t *testing.T) {
		wiretest.Run(t, raw.Format{}, wiretest.Options{Name: "raw"})
	}
}
