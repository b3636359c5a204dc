package websocket

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// rawPair listens with cfg, dials the listener with a raw coder/websocket
// client, and returns both ends: the accepted net.Conn and the raw client.
func rawPair(t *testing.T, cfg Config) (net.Conn, *websocket.Conn) {
	t.Helper()
	ln := listen(t, Transport{Config: cfg}, "tcp", "127.0.0.1:0")
	ws := rawDial(t, "ws://"+ln.Addr().String()+"/", nil)
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// The raw client ends first, so that the conn's Close does not wait
	// for a client that no longer reads to answer its close frame.
	t.Cleanup(func() { ws.CloseNow() })
	c.SetDeadline(time.Now().Add(ioTimeout))
	return c, ws
}

// readErr reads c until it fails and returns the error.
func readErr(c net.Conn) error {
	_, err := io.Copy(io.Discard, c)
	if err == nil {
		return io.EOF // io.Copy reports io.EOF as nil
	}
	return err
}

// TestTextMessageClosed: a text message ends the connection with status
// 1003 (unsupported data).
func TestTextMessageClosed(t *testing.T) {
	leakcheck.Check(t)
	c, ws := rawPair(t, Config{})
	ctx := rpctest.Context(t)
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	// The client reads, as any client does, so that it answers the
	// server's close frame.
	read := make(chan error, 1)
	go func() {
		_, _, err := ws.Read(ctx)
		read <- err
	}()
	if err := readErr(c); err == io.EOF {
		t.Error("the server read io.EOF, want an error")
	}
	err := <-read
	if got := websocket.CloseStatus(err); got != websocket.StatusUnsupportedData {
		t.Errorf("the client read %v (status %v), want status %v", err, got, websocket.StatusUnsupportedData)
	}
}

// TestOversizedMessageClosed: a message of MaxMessageSize bytes passes, one
// byte more ends the connection with status 1009 (message too big).
func TestOversizedMessageClosed(t *testing.T) {
	leakcheck.Check(t)
	const limit = 1000
	c, ws := rawPair(t, Config{MaxMessageSize: limit})
	ctx := rpctest.Context(t)
	if err := ws.Write(ctx, websocket.MessageBinary, make([]byte, limit)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, limit)); err != nil {
		t.Fatalf("a message of the limit: %v", err)
	}
	if err := ws.Write(ctx, websocket.MessageBinary, make([]byte, limit+1)); err != nil {
		t.Fatal(err)
	}
	if err := readErr(c); !errors.Is(err, websocket.ErrMessageTooBig) {
		t.Errorf("the server read %v, want an error wrapping ErrMessageTooBig", err)
	}
	_, _, err := ws.Read(ctx)
	if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig {
		t.Errorf("the client read %v (status %v), want status %v", err, got, websocket.StatusMessageTooBig)
	}
}

// TestStreamAcrossMessages: reads stream across message boundaries, and a
// Write longer than MaxMessageSize goes in several binary messages.
func TestStreamAcrossMessages(t *testing.T) {
	leakcheck.Check(t)
	const limit = 1000
	c, ws := rawPair(t, Config{MaxMessageSize: limit})
	ctx := rpctest.Context(t)
	for _, m := range []string{"ab", "", "cde", "f"} {
		if err := ws.Write(ctx, websocket.MessageBinary, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	got := make([]byte, 6)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "abcdef" {
		t.Fatalf("read %q, %v; want abcdef", got, err)
	}

	out := []byte(strings.Repeat("0123456789", 250))
	if n, err := c.Write(out); err != nil || n != len(out) {
		t.Fatalf("Write: %d, %v", n, err)
	}
	var in []byte
	var sizes []int
	for len(in) < len(out) {
		typ, m, err := ws.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if typ != websocket.MessageBinary {
			t.Fatalf("a %v message, want binary", typ)
		}
		in = append(in, m...)
		sizes = append(sizes, len(m))
	}
	if string(in) != string(out) {
		t.Error("the messages do not carry what was written")
	}
	if len(sizes) != 3 || sizes[0] != limit || sizes[1] != limit || sizes[2] != 500 {
		t.Errorf("message sizes %v, want [1000 1000 500]", sizes)
	}
}

// TestCloseStatus: Close sends status 1000; the peer's 1000 and 1001 read
// as io.EOF, any other status as an error.
func TestCloseStatus(t *testing.T) {
	leakcheck.Check(t)
	t.Run("Close sends 1000", func(t *testing.T) {
		c, ws := rawPair(t, Config{})
		// The raw client reads in the background, as any client does, so
		// that it answers the close frame.
		read := make(chan error, 1)
		go func() {
			_, _, err := ws.Read(rpctest.Context(t))
			read <- err
		}()
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-read; websocket.CloseStatus(err) != websocket.StatusNormalClosure {
			t.Errorf("the client read %v, want status 1000", err)
		}
		if err := c.Close(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("a second Close: %v, want an error wrapping net.ErrClosed", err)
		}
		if _, err := c.Write([]byte("x")); err == nil {
			t.Error("Write after Close succeeded")
		}
		if _, err := c.Read(make([]byte, 1)); err == nil || err == io.EOF {
			t.Errorf("Read after Close: %v, want an error", err)
		}
	})
	for _, tt := range []struct {
		code websocket.StatusCode
		eof  bool
	}{
		{websocket.StatusNormalClosure, true},
		{websocket.StatusGoingAway, true},
		{websocket.StatusInternalError, false},
	} {
		t.Run("peer sends "+tt.code.String(), func(t *testing.T) {
			c, ws := rawPair(t, Config{})
			closed := make(chan error, 1)
			go func() { closed <- ws.Close(tt.code, "bye") }()
			err := readErr(c)
			if (err == io.EOF) != tt.eof {
				t.Errorf("the server read %v; want io.EOF: %v", err, tt.eof)
			}
			if !tt.eof && websocket.CloseStatus(err) != tt.code {
				t.Errorf("the server read %v, want the status %v in the error", err, tt.code)
			}
			if err := <-closed; err != nil {
				t.Errorf("the client's Close: %v", err)
			}
		})
	}
}

// TestDeadline: a Read that ends at its deadline returns a timeout error
// wrapping os.ErrDeadlineExceeded, as the net package's conns do.
func TestDeadline(t *testing.T) {
	leakcheck.Check(t)
	for _, tt := range []struct {
		name     string
		deadline func() time.Time
	}{
		{"passed before the Read", func() time.Time { return time.Now().Add(-time.Second) }},
		{"passes during the Read", func() time.Time { return time.Now().Add(20 * time.Millisecond) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := rawPair(t, Config{})
			c.SetReadDeadline(tt.deadline())
			_, err := c.Read(make([]byte, 1))
			var ne net.Error
			if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
				t.Errorf("Read: %v, want a timeout wrapping os.ErrDeadlineExceeded", err)
			}
		})
	}
}

// TestWriteDeadline: a Write after its deadline fails with a timeout and
// leaves the connection usable, and a deadline that passes between Writes
// does not close it: the next deadline holds for the next Write.
func TestWriteDeadline(t *testing.T) {
	leakcheck.Check(t)
	c, ws := rawPair(t, Config{})
	ctx := rpctest.Context(t)
	expect := func(want string) {
		t.Helper()
		_, m, err := ws.Read(ctx)
		if err != nil || string(m) != want {
			t.Fatalf("the client read %q, %v; want %q", m, err, want)
		}
	}

	deadline := time.Now().Add(20 * time.Millisecond)
	c.SetWriteDeadline(deadline)
	if _, err := c.Write([]byte("one")); err != nil {
		t.Fatalf("Write before the deadline: %v", err)
	}
	expect("one")
	rpctest.WaitFor(t, "the deadline to pass", func() bool { return time.Now().After(deadline) })
	_, err := c.Write([]byte("late"))
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("Write after the deadline: %v, want a timeout wrapping os.ErrDeadlineExceeded", err)
	}
	c.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := c.Write([]byte("two")); err != nil {
		t.Fatalf("Write with a new deadline: %v", err)
	}
	expect("two")
	c.SetWriteDeadline(time.Time{})
	if _, err := c.Write([]byte("three")); err != nil {
		t.Fatalf("Write without a deadline: %v", err)
	}
	expect("three")
}
