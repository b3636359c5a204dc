package websocket

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// chromeHead is the head of a WebSocket upgrade that Chromium sends.
const chromeHead = "GET / HTTP/1.1\r\n" +
	"Host: 127.0.0.1:9091\r\n" +
	"Connection: Upgrade\r\n" +
	"Pragma: no-cache\r\n" +
	"Cache-Control: no-cache\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n" +
	"Upgrade: websocket\r\n" +
	"Origin: http://127.0.0.1:8080\r\n" +
	"Sec-WebSocket-Version: 13\r\n" +
	"Accept-Encoding: gzip, deflate, br\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
	"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" +
	"Sec-WebSocket-Protocol: dmicro\r\n" +
	"\r\n"

func TestSniff(t *testing.T) {
	const (
		match = "match"
		more  = "more"
		no    = "no"
	)
	tests := []struct {
		path, head, want string
	}{
		{"/", "", more},
		{"/", "G", more},
		{"/", "GET", more},
		{"/", "GET ", more},
		{"/", "POST /math/add HTTP/1.1\r\n", no},
		{"/", "GE /", no},
		{"/", "get / HTTP/1.1\r\n", no},
		{"/", "\x00\x00\x00\x10\x01", no}, // a raw frame
		{"/", `{"v":1,"type":1}`, no},
		{"/", "GET /", more},
		{"/", "GET /m", no},
		{"/", "GET /?x=1", more},
		{"/rpc", "GET /r", more},
		{"/rpc", "GET /rpc", more},
		{"/rpc", "GET /rpx", no},
		{"/rpc", "GET /rpc/", no},
		{"/rpc", "GET /rp?", no},
		{"/rpc", "GET /rpc?a=1&b", more},
		{"/rpc", "GET /rpc HTTP/1.", more},
		{"/rpc", "GET /rpcx HTTP/1.", no},
		{"/rpc", "GET /%72", more},
		{"/rpc", "GET http://h", more},
		{"/rpc", "GET /%72pc HTTP/1.1\r\nUpgrade: websocket\r\nConnection: upgrade\r\n", match},
		{"/rpc", "GET http://h/rpc HTTP/1.1\r\nUpgrade: websocket\r\nConnection: upgrade\r\n", match},
		{"/rpc", "GET http://h/other HTTP/1.1\r\n", no},
		{"/", "GET * HTTP/1.1\r\n", no},
		{"/", "GET / HTTP/1.0\r\nUpgrade: websocket\r\nConnection: upgrade\r\n", no},
		{"/", "GET / HTTP/1.1", more},
		{"/", "GET / HTTP/1.1\r\n", more},
		{"/", "GET / HTTP/1.1\r\nHost: x\r\n", more},
		{"/", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", no},
		{"/", "GET / HTTP/1.1\r\nUpgrade: websocket\r\n", more},
		{"/", "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: upgr", more},
		{"/", "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n", match},
		{"/", "GET / HTTP/1.1\nUPGRADE: WebSocket\nconnection: UPGRADE\n", match},
		{"/", "GET / HTTP/1.1\r\nConnection: keep-alive\r\nConnection: upgrade\r\nUpgrade: websocket\r\n", match},
		{"/", "GET / HTTP/1.1\r\nConnection: keep-alive,\r\n upgrade\r\nUpgrade: websocket\r\n", match},
		{"/", "GET / HTTP/1.1\r\nUpgrade: h2c\r\nConnection: upgrade\r\n\r\n", no},
		{"/", "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: upgrade-not\r\n\r\n", no},
		{"/", "GET / HTTP/1.1\r\nX-Upgrade: websocket\r\nX-Connection: upgrade\r\n\r\n", no},
		{"/", "GET / HTTP/1.1\r\n Upgrade: websocket\r\nConnection: upgrade\r\n", no},
		{"/", "GET / HTTP/1.1\r\nnot a header\r\n", no},
		{"/", chromeHead, match},
		{"/", strings.Replace(chromeHead, "GET / ", "GET /x ", 1), no},
		{"/", chromeHead[:strings.Index(chromeHead, "Upgrade:")], more},
		{"/", chromeHead[:strings.Index(chromeHead, "Origin:")], match}, // the rest of the head is not needed
	}
	for _, tt := range tests {
		m, mo := sniffUpgrade([]byte(tt.head), tt.path)
		got := no
		switch {
		case m && mo:
			got = "match and more"
		case m:
			got = match
		case mo:
			got = more
		}
		if got != tt.want {
			t.Errorf("Sniff(%q) for %s: %s, want %s", tt.head, tt.path, got, tt.want)
		}
	}
}

// FuzzSniff checks that Sniff's answers are final (once it says match or
// no, every longer head gets the same answer) and that it matches every
// head that http.ReadRequest reads as an upgrade that Accept takes.
func FuzzSniff(f *testing.F) {
	f.Add([]byte(chromeHead))
	f.Add([]byte(strings.Replace(chromeHead, "GET / ", "GET /rpc ", 1)))
	f.Add([]byte("GET /rpc HTTP/1.1\r\nConnection: keep-alive,\r\n Upgrade\r\nUpgrade: websocket\r\n\r\n"))
	f.Add([]byte("GET /%72pc?x HTTP/1.1\nUpgrade: WebSocket\nConnection: UPGRADE\n\n"))
	f.Add([]byte("GET http://h/rpc HTTP/1.1\r\nHost: h\r\n\r\n"))
	f.Add([]byte("POST /math/add HTTP/1.1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, head []byte) {
		const path = "/rpc"
		final := ""
		for i := range len(head) + 1 {
			m, more := sniffUpgrade(head[:i], path)
			if m && more {
				t.Fatalf("Sniff(%q): match and more", head[:i])
			}
			got := "more"
			if m {
				got = "match"
			} else if !more {
				got = "no"
			}
			if final != "" && got != final {
				t.Fatalf("Sniff(%q) said %s, then Sniff(%q) %s", head[:i-1], final, head[:i], got)
			}
			if got != "more" {
				final = got
			}
		}
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(head)))
		if err != nil || r.Method != "GET" || !r.ProtoAtLeast(1, 1) || r.URL.Path != path ||
			!headerHasToken(r.Header, "Upgrade", "websocket") || !headerHasToken(r.Header, "Connection", "upgrade") {
			return
		}
		if final != "match" {
			t.Fatalf("ReadRequest reads %q as an upgrade of %s; Sniff says %s", head, path, final)
		}
	})
}

// headerHasToken reports whether a value of h's key holds token, as
// coder/websocket's Accept checks.
func headerHasToken(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
