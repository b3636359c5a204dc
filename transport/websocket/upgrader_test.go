package websocket

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
	"github.com/dmicro-go/dmicro/rpc/wire"
	wirehttp "github.com/dmicro-go/dmicro/rpc/wire/http"
	wirejson "github.com/dmicro-go/dmicro/rpc/wire/json"
	"github.com/dmicro-go/dmicro/rpc/wire/jsonrpc"
	"github.com/dmicro-go/dmicro/rpc/wire/pb"
	"github.com/dmicro-go/dmicro/rpc/wire/raw"
	"github.com/dmicro-go/dmicro/transport"
)

// everyFormat is every frame format, for an endpoint that serves them all
// on one port. The http format answers GET /math/hello.
func everyFormat() []wire.Format {
	return []wire.Format{
		raw.Format{}, wirejson.Format{}, pb.Format{},
		wirehttp.Format{GetMethods: map[string]bool{"/math/hello": true}, JSONRPCPath: "/jsonrpc", JSONRPC: jsonrpc.Format{}},
		jsonrpc.Format{},
	}
}

// servePort serves an rpc endpoint with cfg, every format and an Upgrader
// with upCfg on one TCP port of loopback until the test ends. The endpoint
// serves rpctest.Math ("/math/add") and "/math/hello". It returns the
// endpoint and the port's address.
func servePort(t *testing.T, cfg rpc.Config, upCfg Config) (*rpc.Endpoint, string) {
	t.Helper()
	up, err := NewUpgrader(upCfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Formats = everyFormat()
	cfg.Upgraders = []transport.Upgrader{up}
	ep := newEndpoint(t, cfg)
	err = ep.Router().HandleCall("/math/hello", rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (string, error) {
		return "hello", nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serve(t, ep, ln)
	return ep, ln.Addr().String()
}

// upgradeHead is the head of a valid upgrade request for "/", offering the
// dmicro subprotocol, with the extra header lines in extra.
func upgradeHead(extra string) string {
	return "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Protocol: dmicro\r\n" + extra + "\r\n"
}

// tcpDial connects to addr; the conn is closed when the test ends, and its
// reads and writes are bounded by ioTimeout.
func tcpDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(ioTimeout))
	return c
}

// readResponse reads the response to a request of method on c.
func readResponse(t *testing.T, c net.Conn, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestUpgraderPlainHTTP: requests that are no WebSocket upgrade reach the
// http format of the port, those for the Upgrader's path too.
func TestUpgraderPlainHTTP(t *testing.T) {
	leakcheck.Check(t)
	_, addr := servePort(t, rpc.Config{}, Config{})
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()

	resp, err := hc.Get("http://" + addr + "/math/hello")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != `"hello"` {
		t.Errorf("GET /math/hello: %d %q, want 200 \"hello\"", resp.StatusCode, body)
	}

	// The http format answers a GET of "/" (no GET method there): 405
	// with Allow, not coder/websocket's 426.
	resp, err = hc.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET / without an upgrade: %d, Allow %q; want the http format's 405, Allow POST", resp.StatusCode, resp.Header.Get("Allow"))
	}

	resp, err = hc.Post("http://"+addr+"/math/add", "application/json", strings.NewReader("[1,2,3]"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "6" {
		t.Errorf("POST /math/add: %d %q, want 200 6", resp.StatusCode, body)
	}
}

// TestUpgraderOtherPath: an upgrade to another path than the Upgrader's is
// left to the http format, which refuses it; a dmicro client that dials
// another path fails.
func TestUpgraderOtherPath(t *testing.T) {
	leakcheck.Check(t)
	_, addr := servePort(t, rpc.Config{}, Config{})
	ws, resp, err := websocket.Dial(rpctest.Context(t), "ws://"+addr+"/other", &websocket.DialOptions{
		Subprotocols: []string{Subprotocol},
		HTTPClient:   &http.Client{Transport: &http.Transport{DisableKeepAlives: true}},
	})
	if err == nil {
		ws.CloseNow()
		t.Fatal("an upgrade to /other succeeded")
	}
	if resp == nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("an upgrade to /other: %v; want the http format's 405", err)
	}
	if _, err := add(t, Transport{Config: Config{Path: "/other"}}, addr); err == nil {
		t.Error("a dmicro client of /other called /math/add")
	}
}

// TestUpgraderOrigin: a browser page of an origin that OriginPatterns does
// not allow is refused with 403; an allowed one is upgraded.
func TestUpgraderOrigin(t *testing.T) {
	leakcheck.Check(t)
	_, addr := servePort(t, rpc.Config{}, Config{OriginPatterns: []string{"app.example.com"}})
	for _, tt := range []struct {
		origin string
		status int
	}{
		{"http://evil.example.com", http.StatusForbidden},
		{"http://app.example.com", http.StatusSwitchingProtocols},
	} {
		c := tcpDial(t, addr)
		io.WriteString(c, upgradeHead("Origin: "+tt.origin+"\r\n"))
		resp, _ := readResponse(t, c, "GET")
		if resp.StatusCode != tt.status {
			t.Errorf("Origin %s: %d, want %d", tt.origin, resp.StatusCode, tt.status)
		}
		c.Close()
	}
}

// TestUpgraderSlowHead: a peer that sends part of a request head and then
// nothing is closed once the endpoint's HandshakeTimeout passes, whether
// the part could still be an upgrade (Sniff wants more) or already is one
// (Upgrade reads the rest).
func TestUpgraderSlowHead(t *testing.T) {
	for _, tt := range []struct{ name, head string }{
		{"not yet an upgrade", "GET / HTTP/1.1\r\nHost: h\r\n"},
		{"an upgrade", "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			leakcheck.Check(t)
			_, addr := servePort(t, rpc.Config{HandshakeTimeout: 50 * time.Millisecond}, Config{})
			c := tcpDial(t, addr)
			io.WriteString(c, tt.head)
			got, err := io.ReadAll(c)
			if err != nil || len(got) != 0 {
				t.Errorf("the server sent %q, then %v; want it to close the connection", got, err)
			}
		})
	}
}

// TestUpgraderNoSubprotocol: a client that offers no subprotocol is served
// too; the frame format is sniffed inside the WebSocket (json here).
func TestUpgraderNoSubprotocol(t *testing.T) {
	leakcheck.Check(t)
	_, addr := servePort(t, rpc.Config{}, Config{})
	ws, _, err := websocket.Dial(rpctest.Context(t), "ws://"+addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if ws.Subprotocol() != "" {
		t.Errorf("subprotocol %q chosen, none offered", ws.Subprotocol())
	}
	jsonAdd(t, ws, 7)
	ws.Close(websocket.StatusNormalClosure, "")
}

// jsonAdd calls /math/add with [1,2,3] in the json format on ws, the frame
// cut in two messages, and checks the reply.
func jsonAdd(t *testing.T, ws *websocket.Conn, seq uint32) {
	t.Helper()
	ctx := rpctest.Context(t)
	call := fmt.Sprintf(`{"v":1,"type":1,"seq":%d,"method":"/math/add","codec":106,"body":[1,2,3]}`, seq)
	if err := ws.Write(ctx, websocket.MessageBinary, binary.BigEndian.AppendUint32(nil, uint32(len(call)))); err != nil {
		t.Fatal(err)
	}
	if err := ws.Write(ctx, websocket.MessageBinary, []byte(call)); err != nil {
		t.Fatal(err)
	}
	var frame []byte
	for len(frame) < 4 || len(frame) < 4+int(binary.BigEndian.Uint32(frame)) {
		_, msg, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("reading the reply: %v", err)
		}
		frame = append(frame, msg...)
	}
	var reply struct {
		Seq  uint32
		Body int
	}
	if err := json.Unmarshal(frame[4:], &reply); err != nil || reply.Seq != seq || reply.Body != 6 {
		t.Errorf("reply %s: %+v, %v", frame[4:], reply, err)
	}
}

// TestUpgraderConn: the connections of the Upgrader are those of the
// listener: the dmicro subprotocol is chosen, and a message over
// MaxMessageSize closes the connection with status 1009.
func TestUpgraderConn(t *testing.T) {
	leakcheck.Check(t)
	_, addr := servePort(t, rpc.Config{}, Config{MaxMessageSize: 128})
	ws := rawDial(t, "ws://"+addr+"/", nil)
	if ws.Subprotocol() != Subprotocol {
		t.Errorf("subprotocol %q, want %q", ws.Subprotocol(), Subprotocol)
	}
	jsonAdd(t, ws, 1) // the session speaks json from now on
	ctx := rpctest.Context(t)
	// The start of a frame of 200 bytes, in a message of 129.
	big := append(binary.BigEndian.AppendUint32(nil, 200), strings.Repeat(" ", 125)...)
	if err := ws.Write(ctx, websocket.MessageBinary, big); err != nil {
		t.Fatal(err)
	}
	_, _, err := ws.Read(ctx)
	if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig {
		t.Errorf("after a message of 129 bytes the client read %v, want status 1009", err)
	}
}

// upgradeConn gives the server's end of a loopback TCP connection whose
// client sent head, with all of head read into a reader as the rpc
// endpoint's sniffing leaves it, and the client's end.
func upgradeConn(t *testing.T, head string) (server net.Conn, br *bufio.Reader, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client = tcpDial(t, ln.Addr().String())
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	if _, err := io.WriteString(client, head); err != nil {
		t.Fatal(err)
	}
	br = bufio.NewReaderSize(server, 32<<10)
	server.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := br.Peek(min(len(head), br.Size())); err != nil {
		t.Fatal(err)
	}
	server.SetReadDeadline(time.Time{})
	return server, br, client
}

// clientFrame is a masked binary WebSocket message from a client.
func clientFrame(payload []byte) []byte {
	b := []byte{0x82, 0x80 | 126, 0, 0, 1, 2, 3, 4}
	binary.BigEndian.PutUint16(b[2:], uint16(len(payload)))
	for i, c := range payload {
		b = append(b, c^b[4+i%4])
	}
	return b
}

// TestUpgradeKeepsReadBytes: the bytes a client sent after its request
// head, before the answer (a message here), are read from the upgraded
// connection: those that the request's reader holds and those still in
// the reader the Upgrader was given.
func TestUpgradeKeepsReadBytes(t *testing.T) {
	leakcheck.Check(t)
	up, err := NewUpgrader(Config{})
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte(strings.Repeat("0123456789", 800))
	head := upgradeHead("")
	nc, br, client := upgradeConn(t, head+string(clientFrame(payload)))
	c, err := up.Upgrade(rpctest.Context(t), nc, br)
	if err != nil {
		t.Fatal(err)
	}
	// The client goes first, so that Close does not wait for its answer.
	defer c.Close()
	defer client.Close()
	if c.RemoteAddr().String() != client.LocalAddr().String() {
		t.Errorf("RemoteAddr %v, want %v", c.RemoteAddr(), client.LocalAddr())
	}
	resp, _ := http.ReadResponse(bufio.NewReader(client), &http.Request{Method: "GET"})
	if resp == nil || resp.StatusCode != http.StatusSwitchingProtocols ||
		resp.Header.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" ||
		resp.Header.Get("Sec-WebSocket-Protocol") != Subprotocol {
		t.Fatalf("the answer to the upgrade: %+v", resp)
	}
	c.SetReadDeadline(time.Now().Add(ioTimeout))
	got := make([]byte, len(payload))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != string(payload) {
		t.Errorf("read %d bytes that differ from the %d sent", len(got), len(payload))
	}
}

// TestUpgradeRefusals: a request that is no valid upgrade is answered with
// an HTTP error and Upgrade fails.
func TestUpgradeRefusals(t *testing.T) {
	valid := upgradeHead("")
	tests := []struct {
		name, head string
		status     int
	}{
		{"no key", strings.Replace(valid, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "", 1), http.StatusBadRequest},
		{"version 8", strings.Replace(valid, "Version: 13", "Version: 8", 1), http.StatusBadRequest},
		{"no upgrade header", strings.Replace(valid, "Upgrade: websocket\r\n", "", 1), http.StatusUpgradeRequired},
		{"another path", strings.Replace(valid, "GET / ", "GET /x ", 1), http.StatusNotFound},
		{"a body", upgradeHead("Content-Length: 3\r\n") + "abc", http.StatusBadRequest},
		{"no request", "GET\r\n\r\n", http.StatusBadRequest},
		{"a head over 64 KiB", upgradeHead("X-Big: " + strings.Repeat("a", 70<<10) + "\r\n"), http.StatusRequestHeaderFieldsTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leakcheck.Check(t)
			up, err := NewUpgrader(Config{})
			if err != nil {
				t.Fatal(err)
			}
			nc, br, client := upgradeConn(t, tt.head)
			read := make(chan *http.Response, 1)
			go func() {
				resp, _ := http.ReadResponse(bufio.NewReader(client), &http.Request{Method: "GET"})
				read <- resp
			}()
			c, err := up.Upgrade(rpctest.Context(t), nc, br)
			if err == nil {
				c.Close()
				t.Fatal("Upgrade succeeded")
			}
			nc.Close()
			resp := <-read
			if resp == nil || resp.StatusCode != tt.status || !resp.Close {
				t.Errorf("Upgrade: %v; the client read %+v, want status %d and Connection: close", err, resp, tt.status)
			}
		})
	}
}

// TestUpgradeContext: the end of the context interrupts an upgrade that
// waits for the rest of the request.
func TestUpgradeContext(t *testing.T) {
	leakcheck.Check(t)
	up, err := NewUpgrader(Config{})
	if err != nil {
		t.Fatal(err)
	}
	nc, br, _ := upgradeConn(t, "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: upgrade\r\n")
	ctx, cancel := context.WithCancel(rpctest.Context(t))
	done := make(chan error, 1)
	go func() {
		c, err := up.Upgrade(ctx, nc, br)
		if err == nil {
			c.Close()
		}
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Upgrade after cancel: %v, want an error wrapping context.Canceled", err)
	}
}

func TestNewUpgraderConfig(t *testing.T) {
	if _, err := NewUpgrader(Config{Path: "rpc"}); !errors.Is(err, ErrConfig) {
		t.Errorf("NewUpgrader with Path \"rpc\": %v, want ErrConfig", err)
	}
	up, err := NewUpgrader(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := up.Sniff([]byte(upgradeHead(""))); !m {
		t.Error("the zero Config's Upgrader does not take an upgrade of /")
	}
}
