package quic

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
)

// TestEOFAfterClose: a side that writes a lot and closes at once loses
// nothing: the peer reads it all, then io.EOF. Both directions.
func TestEOFAfterClose(t *testing.T) {
	leakcheck.Check(t)
	data := make([]byte, 4<<20)
	rand.Read(data)
	writeAndClose := func(c net.Conn) error {
		defer c.Close()
		_, err := c.Write(data)
		return err
	}
	readAll := func(c net.Conn) error {
		got, err := io.ReadAll(c) // ReadAll returns nil on io.EOF
		if err != nil {
			return fmt.Errorf("read: %w (after %d bytes)", err, len(got))
		}
		if !bytes.Equal(got, data) {
			return fmt.Errorf("read %d bytes, want the %d written", len(got), len(data))
		}
		// Reads after EOF keep saying EOF.
		if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			return fmt.Errorf("read after EOF: %d, %v", n, err)
		}
		return nil
	}
	t.Run("server writes and closes", func(t *testing.T) {
		server, client := pair(t)
		ln := listen(t, server, "udp")
		serve(t, ln, func(c net.Conn) {
			if err := writeAndClose(c); err != nil {
				t.Errorf("server write: %v", err)
			}
		})
		c := dial(t, client, "udp", ln.Addr().String())
		c.SetDeadline(time.Now().Add(ioTimeout))
		if err := readAll(c); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("client writes and closes", func(t *testing.T) {
		server, client := pair(t)
		ln := listen(t, server, "udp")
		done := make(chan error, 1)
		serve(t, ln, func(c net.Conn) { done <- readAll(c) })
		c := dial(t, client, "udp", ln.Addr().String())
		if err := writeAndClose(c); err != nil {
			t.Fatalf("client write: %v", err)
		}
		if err := <-done; err != nil {
			t.Fatalf("server: %v", err)
		}
	})
}

func TestUseAfterClose(t *testing.T) {
	leakcheck.Check(t)
	server, client := pair(t)
	ln := listen(t, server, "udp")
	serveEcho(t, ln)
	c := dial(t, client, "udp", ln.Addr().String())
	roundTrip(t, c, "before close")

	// A Read blocked when Close comes returns net.ErrClosed.
	errc := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		errc <- err
	}()
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		t.Errorf("blocked Read: %v, want net.ErrClosed", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Read after Close: %v, want net.ErrClosed", err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write after Close: %v, want net.ErrClosed", err)
	}
	for name, set := range map[string]func(time.Time) error{
		"SetDeadline": c.SetDeadline, "SetReadDeadline": c.SetReadDeadline, "SetWriteDeadline": c.SetWriteDeadline,
	} {
		if err := set(time.Now()); !errors.Is(err, net.ErrClosed) {
			t.Errorf("%s after Close: %v, want net.ErrClosed", name, err)
		}
	}
}

// TestLingerBounded: a peer that reads everything but never closes holds
// the connection only for the linger; then the QUIC connection closes, and
// with it the listener's socket.
func TestLingerBounded(t *testing.T) {
	leakcheck.Check(t)
	cert := newSelfSigned(t)
	var logs strings.Builder
	scfg := testConfig(cert.ServerConfig())
	scfg.Linger = 100 * time.Millisecond
	scfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	server := New(scfg)
	ln := listen(t, server, "udp")
	c := dial(t, New(testConfig(cert.ClientConfig())), "udp", ln.Addr().String())
	s := acceptOne(t, ln)
	if _, err := io.WriteString(s, "bye"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	ln.Close()

	c.SetDeadline(time.Now().Add(ioTimeout))
	if got, err := io.ReadAll(c); err != nil || string(got) != "bye" {
		t.Fatalf("client read %q, %v; want \"bye\" and io.EOF", got, err)
	}
	// The client does not close; the server gives up after its linger.
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	if err := server.Wait(ctx); err != nil {
		t.Fatalf("the server's socket stayed open: %v", err)
	}
	if !strings.Contains(logs.String(), "did not close within the linger") {
		t.Errorf("no log of the linger running out; logs:\n%s", logs.String())
	}
}
