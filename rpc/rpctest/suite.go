package rpctest

import (
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
	wirejson "github.com/dmicro-go/dmicro/rpc/wire/json"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
)

// Run runs every conformance test over env, each as a sub-test named
// env.Name/test.
//
// One test starts the test binary again as a child server process, with
// the top-level test that called Run, and kills it: in that child, Run
// serves the one environment it was started for and runs no test.
func Run(t *testing.T, env Env) {
	if name, ok := childTarget(); ok {
		if name == env.Name {
			serveChild(t, env)
		}
		return
	}
	tests := []struct {
		name string
		fn   func(*testing.T, Env)
	}{
		{"Call", testCall},
		{"CallMetadata", testCallMetadata},
		{"PushToServer", testPushToServer},
		{"ServerCallsClient", testServerCallsClient},
		{"ServerPushesClient", testServerPushesClient},
		{"Concurrent", testConcurrent},
		{"Errors", testErrors},
		{"DeadlinePropagates", testDeadlinePropagates},
		{"CallerDeadline", testCallerDeadline},
		{"CallerCancel", testCallerCancel},
		{"TooLarge", testTooLarge},
		{"ServerVanishes", testServerVanishes},
		{"RedialAfterRestart", testRedialAfterRestart},
		{"RedialGivesUp", testRedialGivesUp},
		{"GoingAway", testGoingAway},
		{"ClientShutdownDrains", testClientShutdownDrains},
		{"ServerProcessKilled", testServerProcessKilled},
	}
	t.Run(env.Name, func(t *testing.T) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if why, ok := env.Lacks[tc.name]; ok {
					t.Skip(why)
				}
				tc.fn(t, env)
			})
		}
	})
}

// RunFormats runs the suite over env once per frame format, raw and json
// when none is given, each named env.Name/format. A transport is tested by
// one line:
//
//	rpctest.RunFormats(t, rpctest.Env{Name: "kcp", Network: "udp", Server: tr, Client: tr, Addr: rpctest.Loopback})
func RunFormats(t *testing.T, env Env, formats ...wire.Format) {
	if len(formats) == 0 {
		formats = []wire.Format{raw.Format{}, wirejson.Format{}}
	}
	for _, f := range formats {
		e := env
		e.Format = f
		e.Name = env.Name + "/" + f.Name()
		Run(t, e)
	}
}
