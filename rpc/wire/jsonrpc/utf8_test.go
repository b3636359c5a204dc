package jsonrpc

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// checkValidJSON fails the test unless every value of the stream out is
// valid JSON (RFC 8259), in UTF-8 (section 8.1), which json.Valid does not
// check.
func checkValidJSON(t *testing.T, out []byte) {
	t.Helper()
	if !utf8.Valid(out) {
		t.Fatalf("output is not UTF-8: %q", out)
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		if !json.Valid([]byte(line)) {
			t.Fatalf("output is not JSON: %q", line)
		}
	}
}

// TestIDNotUTF8 sends a request whose string id is not valid UTF-8. The
// id would have to come back byte for byte, which would not be JSON: the
// request is refused as invalid, with a null id, as JSON-RPC asks when the
// id cannot be read. A response that echoes params that are not UTF-8 is
// written with U+FFFD for each such byte.
func TestIDNotUTF8(t *testing.T) {
	bad := "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[1],\"id\":\"a\xffb\"}"
	echo := "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[\"x\xffy\xe2\x82\"],\"id\":2}"
	stream := bad + "[" + bad + "," + echo + "]" + echo
	s := serve(t, Format{}.NewFramer(bufio.NewReader(strings.NewReader(stream)), wire.Options{}))
	if len(s.errs) != 2 || len(s.calls) != 2 {
		t.Fatalf("%d refusals and %d calls, want 2 and 2", len(s.errs), len(s.calls))
	}
	checkValidJSON(t, s.out)
	const refusal = `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request","data":{"code":4,"detail":"\"id\" is not valid UTF-8"}}}`
	const echoed = `{"jsonrpc":"2.0","id":2,"result":["x\ufffdy\ufffd\ufffd"]}`
	// serve answers refusals at once and calls at the end, in reverse.
	want := refusal + "\n" + echoed + "\n" + "[" + refusal + "," + echoed + "]\n"
	sameValues(t, s.out, []byte(want))
}

// TestRequestBodyNotUTF8 writes a call whose params are JSON with bytes
// that are not UTF-8 in a string: they go as U+FFFD.
func TestRequestBodyNotUTF8(t *testing.T) {
	f := Format{}.NewFramer(nil, wire.Options{})
	out, err := f.AppendMessage(nil, &wire.Message{Type: wire.TypeCall, Seq: 1, Method: "/m", Codec: 'j', Body: []byte("[\"\xff\"]")})
	if err != nil {
		t.Fatal(err)
	}
	checkValidJSON(t, out)
	if want := `{"jsonrpc":"2.0","id":1,"method":"m","params":["\ufffd"]}` + "\n"; string(out) != want {
		t.Fatalf("request %s, want %s", out, want)
	}
}
