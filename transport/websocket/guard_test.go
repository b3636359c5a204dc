package websocket

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime/metrics"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc"
)

// serveKind serves an rpc endpoint (rpctest.Math) with cfg in one of the
// ways the package serves WebSocket, until the test ends, and returns the
// TCP address that upgrades "/".
func serveKind(t *testing.T, kind string, cfg Config) string {
	t.Helper()
	switch kind {
	case "Listen":
		tr := Transport{Config: cfg}
		ln := listen(t, tr, "tcp", "127.0.0.1:0")
		serve(t, newEndpoint(t, rpc.Config{Transport: tr}), ln)
		return ln.Addr().String()
	case "Upgrader":
		_, addr := servePort(t, rpc.Config{}, cfg)
		return addr
	case "Handler":
		h, err := NewHandler(cfg)
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.Handle("/", h)
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		serve(t, newEndpoint(t, rpc.Config{}), h)
		return srv.Listener.Addr().String()
	}
	t.Fatalf("no way to serve %q", kind)
	return ""
}

// rawUpgrade connects to addr and upgrades the connection by hand,
// sending early right after the request. It returns the connection and
// the reader of what the server sends after its 101 answer.
func rawUpgrade(t *testing.T, addr string, early []byte) (net.Conn, *bufio.Reader) {
	t.Helper()
	c := tcpDial(t, addr)
	if _, err := c.Write(append([]byte(upgradeHead("")), early...)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatalf("reading the answer to the upgrade: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("the upgrade was answered %s", resp.Status)
	}
	return c, br
}

// readClose reads the frames of the server until a close frame, and
// returns its status and reason; the server must then close the TCP
// connection.
func readClose(t *testing.T, br *bufio.Reader) (websocket.StatusCode, string) {
	t.Helper()
	for {
		var h [2]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			t.Fatalf("reading a frame of the server: %v", err)
		}
		if h[1]&0x80 != 0 {
			t.Fatalf("the server sent a masked frame: % x", h)
		}
		n := uint64(h[1] & 0x7F)
		switch n {
		case 126:
			var b [2]byte
			io.ReadFull(br, b[:])
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			io.ReadFull(br, b[:])
			n = binary.BigEndian.Uint64(b[:])
		}
		if n > 1<<20 {
			t.Fatalf("the server sent a frame of %d bytes", n)
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(br, payload); err != nil {
			t.Fatalf("reading a frame of the server: %v", err)
		}
		if h[0]&0x0F != opClose {
			continue
		}
		if len(payload) < 2 {
			t.Fatalf("a close frame without a status: % x", payload)
		}
		if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
			t.Errorf("after its close frame the server sent %d bytes more, then %v; want it to close", len(rest), err)
		}
		return websocket.StatusCode(binary.BigEndian.Uint16(payload)), string(payload[2:])
	}
}

// allocated returns the bytes allocated on the heap so far.
func allocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestFrameFaults: a client frame that is not masked, one whose 64-bit
// length has its most significant bit set, one that claims 4 EiB, and one
// a byte over MaxMessageSize, sent right after an upgrade done by hand,
// are each refused from their header, whichever way the server serves
// WebSocket, and whether the frame follows the server's answer or comes
// with the request: the server sends a close frame with status 1002
// (protocol error) or 1009 (message too big) and closes the connection,
// without allocating anything near the length claimed. A dmicro client is
// served after each.
func TestFrameFaults(t *testing.T) {
	const (
		fourEiB = 1 << 62
		// maxAlloc bounds what the whole exchange may allocate, the
		// rpc endpoint's reading of the connection included: a fraction
		// of the 4 MiB (and one) that the smallest claim asks for.
		maxAlloc = 1 << 20
	)
	cases := []struct {
		name  string
		frame []byte
		code  websocket.StatusCode
	}{
		{"unmasked", append(frameHeader(5, false), "hello"...), websocket.StatusProtocolError},
		{"length with its top bit set", frameHeader(1<<63|5, true), websocket.StatusProtocolError},
		{"4 EiB", append(frameHeader(fourEiB, true), "abcd"...), websocket.StatusMessageTooBig},
		{"a byte over the limit", append(frameHeader(DefaultMaxMessageSize+1, true), "abcd"...), websocket.StatusMessageTooBig},
	}
	for _, kind := range []string{"Listen", "Upgrader", "Handler"} {
		t.Run(kind, func(t *testing.T) {
			leakcheck.Check(t)
			addr := serveKind(t, kind, Config{})
			for _, tc := range cases {
				for _, early := range []bool{false, true} {
					name := tc.name
					before := allocated()
					var c net.Conn
					var br *bufio.Reader
					if early {
						name += ", with the request"
						c, br = rawUpgrade(t, addr, tc.frame)
					} else {
						c, br = rawUpgrade(t, addr, nil)
						before = allocated()
						if _, err := c.Write(tc.frame); err != nil {
							t.Fatal(err)
						}
					}
					code, reason := readClose(t, br)
					alloc := allocated() - before
					c.Close()
					t.Logf("%s: closed with %d %q; %d KiB allocated", name, code, reason, alloc>>10)
					if code != tc.code {
						t.Errorf("%s: the server closed with status %d %q, want %d", name, code, reason, tc.code)
					}
					if alloc > maxAlloc {
						t.Errorf("%s: %d bytes allocated while the server refused the frame, want at most %d", name, alloc, maxAlloc)
					}
					if sum, err := add(t, Transport{}, addr); err != nil || sum != 6 {
						t.Fatalf("after the frame %s a dmicro client got %d, %v", name, sum, err)
					}
				}
			}
		})
	}
}

// TestFrameFaultRead: the Read of the server's conn that meets a frame at
// fault fails with an error that names the status sent, and wraps
// websocket.ErrMessageTooBig for a message over the limit.
func TestFrameFaultRead(t *testing.T) {
	leakcheck.Check(t)
	const limit = 1000
	ln := listen(t, Transport{Config: Config{MaxMessageSize: limit}}, "tcp", "127.0.0.1:0")
	for _, tc := range []struct {
		frame   []byte
		tooBig  bool
		pattern string
	}{
		{frameHeader(limit+1, true), true, "(closed with status 1009)"},
		{append(frameHeader(3, false), "abc"...), false, "unmasked client frame (closed with status 1002)"},
	} {
		c, br := rawUpgrade(t, ln.Addr().String(), nil)
		sc, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		// A good message first: its bytes are read before the fault.
		if _, err := c.Write(append(frameHeader(2, true), 'o'^1, 'k'^2)); err != nil {
			t.Fatal(err)
		}
		c.Write(tc.frame)
		got, err := io.ReadAll(sc)
		var f *frameFault
		if string(got) != "ok" || !errors.As(err, &f) || errors.Is(err, websocket.ErrMessageTooBig) != tc.tooBig ||
			!strings.HasSuffix(err.Error(), tc.pattern) {
			t.Errorf("the server read %q, then %v; want \"ok\", then an error ending %q", got, err, tc.pattern)
		}
		readClose(t, br)
		sc.Close()
		c.Close()
	}
}
