package etcd

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/discovery"
)

const rangeAnswer = `{"header":{"cluster_id":"14443903163313418560","member_id":"11417610130673999598","revision":"7","raft_term":"2"},` +
	`"kvs":[{"key":"L2RtaWNyby9yZWdpc3RyeS9tYXRoLy9h","create_revision":"2","mod_revision":"5","version":"1",` +
	`"value":"eyJuYW1lIjoibWF0aCIsIm5vZGUiOnsiaWQiOiJhIiwiYWRkcmVzcyI6IjEyNy4wLjAuMToxIn19","lease":"42"}],"count":"1"}`

func TestDecodeRange(t *testing.T) {
	r, err := decodeRange([]byte(rangeAnswer))
	if err != nil {
		t.Fatal(err)
	}
	if r.Header.Revision != 7 || len(r.KVs) != 1 || string(r.KVs[0].Key) != "/dmicro/registry/math//a" ||
		r.KVs[0].ModRevision != 5 || r.KVs[0].Lease != 42 {
		t.Fatalf("decoded %+v", r)
	}
	rec, err := decodeRecord(string(r.KVs[0].Key), r.KVs[0].Value)
	if err != nil || rec.Name != "math" || rec.Node.Address != "127.0.0.1:1" {
		t.Fatalf("record %+v, %v", rec, err)
	}
	for _, bad := range []string{`{"header":{"revision":7}}`, `{"kvs":[{"key":"!!"}]}`, `[`} {
		if _, err := decodeRange([]byte(bad)); !errors.Is(err, ErrGateway) {
			t.Errorf("decodeRange(%s): %v, want ErrGateway", bad, err)
		}
	}
}

func TestWatchDecoder(t *testing.T) {
	stream := `{"result":{"header":{"revision":"3"},"created":true}}
{"result":{"header":{"revision":"3"},"events":[{"kv":{"key":"YQ==","mod_revision":"2","value":"Yg=="}},{"type":"DELETE","kv":{"key":"YQ==","mod_revision":"3"}}]}}
{"result":{"header":{"revision":"3"},"canceled":true,"compact_revision":"3"}}`
	d := newWatchDecoder(strings.NewReader(stream), "e1")
	res, err := d.next()
	if err != nil || !res.Created {
		t.Fatalf("first: %+v %v", res, err)
	}
	res, err = d.next()
	if err != nil || len(res.Events) != 2 || res.Events[0].Type != "" || string(res.Events[0].KV.Value) != "b" ||
		res.Events[1].Type != "DELETE" || res.Events[1].KV.ModRevision != 3 {
		t.Fatalf("second: %+v %v", res, err)
	}
	if _, err := d.next(); !errors.Is(err, ErrCompacted) {
		t.Fatalf("third: %v, want ErrCompacted", err)
	}
	if _, err := d.next(); err != io.EOF {
		t.Fatalf("end: %v, want EOF", err)
	}
	d = newWatchDecoder(strings.NewReader(`{"error":{"grpc_code":16,"http_code":401,"message":"etcdserver: invalid auth token"}}`), "e1")
	if _, err := d.next(); !errors.Is(err, ErrAuth) || !invalidToken(err) {
		t.Fatalf("stream error: %v, want ErrAuth", err)
	}
	d = newWatchDecoder(strings.NewReader(`{"result":{"events":"x"}}`), "e1")
	if _, err := d.next(); !errors.Is(err, ErrGateway) {
		t.Fatalf("bad stream: %v, want ErrGateway", err)
	}
}

// TestEtcd37Answers decodes answers as etcd 3.7.3's gateway writes them
// (captured with curl): a space after each comma, fields 3.4 lacks, and
// error bodies of only code and message, with no "error" field.
func TestEtcd37Answers(t *testing.T) {
	r, err := decodeRange([]byte(range37))
	if err != nil || r.Header.Revision != 3 || len(r.KVs) != 1 || string(r.KVs[0].Key) != "foo" ||
		string(r.KVs[0].Value) != "baz" || r.KVs[0].ModRevision != 3 {
		t.Fatalf("range: %+v, %v", r, err)
	}
	for body, want := range map[string]error{
		`{"code":5, "message":"etcdserver: requested lease not found"}`:                   ErrLeaseNotFound,
		`{"code":11, "message":"etcdserver: mvcc: required revision has been compacted"}`: ErrCompacted,
		`{"code":16, "message":"etcdserver: invalid auth token"}`:                         ErrAuth,
	} {
		err := decodeError("http://e1", "/v3/kv/range", 404, []byte(body))
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", body, err, want)
		}
	}
}

// range37 is etcd 3.7.3's answer to a range of one key.
const range37 = `{"header":{"cluster_id":"630181089111152202", "member_id":"6933295200868935272", "revision":"3", "raft_term":"2"}, ` +
	`"kvs":[{"key":"Zm9v", "create_revision":"2", "mod_revision":"3", "version":"2", "value":"YmF6"}], "count":"1"}`

func TestErrorSentinels(t *testing.T) {
	for body, want := range map[string]error{
		`{"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","code":5}`: ErrLeaseNotFound,
		`{"error":"x","message":"etcdserver: invalid auth token","code":16}`:                                           ErrAuth,
		`{"message":"etcdserver: mvcc: required revision has been compacted","code":11}`:                               ErrCompacted,
		`{"message":"etcdserver: no leader","code":14}`:                                                                ErrGateway,
		`<html>oops</html>`: ErrGateway,
	} {
		err := decodeError("http://e1", "/v3/kv/put", 404, []byte(body))
		if !errors.Is(err, want) || !strings.Contains(err.Error(), "http://e1 /v3/kv/put") {
			t.Errorf("%s: %v, want %v naming the endpoint and method", body, err, want)
		}
	}
}

func TestKeyLayout(t *testing.T) {
	cfg := Config{}
	key := cfg.Key("math", "v2/beta", "a")
	if key != "/dmicro/registry/math/v2%2Fbeta/a" {
		t.Fatalf("key %q", key)
	}
	rec, ok := cfg.recordFromKey(key)
	if !ok || rec.Name != "math" || rec.Version != "v2/beta" || rec.Node.ID != "a" {
		t.Fatalf("recordFromKey = %+v %v", rec, ok)
	}
	for _, k := range []string{"/other/math//a", "/dmicro/registry/math/a", "/dmicro/registry/math/%zz/a"} {
		if _, ok := cfg.recordFromKey(k); ok {
			t.Errorf("recordFromKey(%q) accepted", k)
		}
	}
	if string(prefixEnd("/a/")) != "/a0" || string(prefixEnd("a\xff")) != "b" || string(prefixEnd("\xff")) != "\x00" {
		t.Fatal("prefixEnd")
	}
	if ttlSeconds(0) != 15 || ttlSeconds(1500*1e6) != 2 {
		t.Fatal("ttlSeconds")
	}
	_ = discovery.ErrInvalid
}

// FuzzDecodeRange feeds the range decoder and the record decoder
// arbitrary bytes: no panic, and a success gives usable keys.
func FuzzDecodeRange(f *testing.F) {
	f.Add([]byte(rangeAnswer))
	f.Add([]byte(range37))
	f.Add([]byte(`{"header":{},"kvs":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := decodeRange(data)
		if err != nil {
			if !errors.Is(err, ErrGateway) {
				t.Fatalf("error %v does not wrap ErrGateway", err)
			}
			return
		}
		for _, kv := range r.KVs {
			decodeRecord(string(kv.Key), kv.Value)
			Config{}.recordFromKey(string(kv.Key))
		}
	})
}

// FuzzWatchStream feeds the watch stream decoder arbitrary bytes: it
// ends with an error (never a panic, never a loop), and every error from
// bad JSON wraps a sentinel.
func FuzzWatchStream(f *testing.F) {
	f.Add([]byte(`{"result":{"header":{"revision":"3"},"created":true}}` + "\n" +
		`{"result":{"events":[{"kv":{"key":"YQ==","mod_revision":"2","value":"Yg=="}},{"type":"DELETE","kv":{"key":"YQ=="}}]}}`))
	f.Add([]byte(`{"error":{"grpc_code":16,"http_code":401,"message":"etcdserver: invalid auth token"}}`))
	f.Add([]byte(`{"result":{"canceled":true,"compact_revision":"3"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := newWatchDecoder(strings.NewReader(string(data)), "e")
		for range len(data) + 1 {
			_, err := d.next()
			if err == nil {
				continue
			}
			if err != io.EOF && !errors.Is(err, ErrGateway) && !errors.Is(err, ErrCompacted) &&
				!errors.Is(err, ErrAuth) && !errors.Is(err, ErrLeaseNotFound) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		t.Fatal("the decoder did not end")
	})
}
