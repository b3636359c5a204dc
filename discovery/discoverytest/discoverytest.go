// Package discoverytest holds helpers for the tests of discovery's registries.
package discoverytest

import (
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// NextEvent returns the next event of a Watch channel. It fails the test
// when the channel is closed, or when no event comes within rpctest.Timeout.
func NextEvent(t testing.TB, ch <-chan discovery.Event) discovery.Event {
	t.Helper()
	timer := time.NewTimer(rpctest.Timeout)
	defer timer.Stop()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed")
		}
		return ev
	case <-timer.C:
		t.Fatal("no event")
	}
	return discovery.Event{}
}
