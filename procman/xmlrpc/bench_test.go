package xmlrpc_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// benchInfos is what supervisorctl status asks for: getAllProcessInfo of
// n processes.
func benchInfos(n int) []processInfo {
	infos := make([]processInfo, n)
	for i := range infos {
		infos[i] = processInfo{Name: "web_0", Group: "web", Start: 1700000000, State: 20, StateName: "RUNNING",
			PID: 4242 + i, Description: "pid 4242, uptime 1:02:03", StdoutLogfile: "/var/log/supervisor/web_0-stdout.log"}
	}
	return infos
}

func BenchmarkMarshalResponse(b *testing.B) {
	infos := benchInfos(50)
	doc, _ := xmlrpc.MarshalResponse(infos)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := xmlrpc.MarshalResponse(infos); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalResponse(b *testing.B) {
	doc, _ := xmlrpc.MarshalResponse(benchInfos(50))
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		var infos []processInfo
		if err := xmlrpc.UnmarshalResponse(doc, &infos); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServeHTTP is one supervisorctl-sized call through the handler,
// without the network.
func BenchmarkServeHTTP(b *testing.B) {
	srv := &xmlrpc.Server{}
	srv.Register("supervisor.startProcess", func(_ context.Context, name string, wait ...bool) (bool, error) {
		return true, nil
	})
	call, _ := xmlrpc.MarshalCall("supervisor.startProcess", []any{"web:web_0", true})
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/RPC2", bytes.NewReader(call))
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}
