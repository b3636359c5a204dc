package rpc_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/rpc"
)

// TestLogCallsKeepsMetadataValuesOut: LogCalls logs the keys of a call's
// metadata, never its values (tokens travel there), unless LogMetaValues
// asks for them.
func TestLogCallsKeepsMetadataValuesOut(t *testing.T) {
	for _, values := range []bool{false, true} {
		p := newPair(t, pairOptions{srv: rpc.Config{LogCalls: true, LogMetaValues: values}, setup: func(srv *rpc.Endpoint) {
			must(t, srv.Router().HandleCall("/one", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (int, error) { return 1, nil })))
		}})
		if err := p.sess.Call(testCtx(t), "/one", struct{}{}, nil, rpc.WithMeta("authorization", "Bearer hunter2")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the call's log line", func() bool { return p.srvLog.Count("rpc: handled") == 1 })
		line := p.srvLog.String()
		if !strings.Contains(line, "authorization") {
			t.Errorf("LogMetaValues=%v: the line does not name the metadata key:\n%s", values, line)
		}
		if got := strings.Contains(line, "hunter2"); got != values {
			t.Errorf("LogMetaValues=%v: the value is logged: %v\n%s", values, got, line)
		}
	}
}

// TestLogCallsWithoutALogger: LogCalls with no Logger logs to
// slog.Default() instead of nowhere.
func TestLogCallsWithoutALogger(t *testing.T) {
	var buf logBuffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	srv, err := rpc.NewEndpoint(rpc.Config{LogCalls: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if srv.Logger().Handler() != slog.Default().Handler() {
		t.Fatal("LogCalls with a nil Logger does not log to slog.Default()")
	}
	quiet, err := rpc.NewEndpoint(rpc.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.Close()
	if quiet.Logger().Handler() == slog.Default().Handler() {
		t.Fatal("an endpoint that asked for no logs logs to slog.Default()")
	}
}
