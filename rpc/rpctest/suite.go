package rpctest

import (
	"testing"
)

// Run runs every conformance test over env, each as a sub-test.
func Run(t *testing.T, env Env) {
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
