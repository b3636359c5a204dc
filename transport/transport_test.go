package transport

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// ioTimeout bounds every read and write of the tests, so that a bug hangs
// nothing. It is generous: the machines running the tests are shared.
const ioTimeout = 20 * time.Second

// serveEcho accepts connections on ln until it is closed and writes back
// every line each one sends. TLS connections are handshaken first, in the
// connection's goroutine, as the rpc server does. The cleanup closes ln and
// waits for every goroutine.
func serveEcho(t *testing.T, ln net.Listener) {
	t.Helper()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(ioTimeout))
				if tc, ok := c.(*tls.Conn); ok {
					ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
					defer cancel()
					if err := tc.HandshakeContext(ctx); err != nil {
						return
					}
				}
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := io.WriteString(c, line); err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
}

// roundTrip sends msg as a line on c and checks that it comes back.
func roundTrip(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(c, msg+"\n"); err != nil {
		t.Fatalf("write: %v", err)
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if got != msg+"\n" {
		t.Fatalf("echo = %q, want %q", got, msg+"\n")
	}
}

// needIPv6 skips the test when the loopback has no ::1.
func needIPv6(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("IPv6 loopback ::1 is not available: %v", err)
	}
	ln.Close()
}

// sockPath returns a unix socket path in a fresh temporary directory.
func sockPath(t *testing.T) string {
	return filepath.Join(t.TempDir(), "s.sock")
}

func TestNetEcho(t *testing.T) {
	leakcheck.Check(t)
	tests := []struct {
		name      string
		network   string
		addr      func(t *testing.T) string
		tr        Net
		wantLocal string // the dialed conn's local IP, when set
	}{
		{name: "tcp", network: "tcp", addr: func(*testing.T) string { return "127.0.0.1:0" }},
		{name: "tcp4", network: "tcp4", addr: func(*testing.T) string { return "127.0.0.1:0" }},
		{name: "tcp6", network: "tcp6", addr: func(t *testing.T) string { needIPv6(t); return "[::1]:0" }},
		{name: "unix", network: "unix", addr: sockPath},
		{
			name: "tcp with local ip and no keep-alive", network: "tcp",
			addr: func(*testing.T) string { return "127.0.0.1:0" },
			tr:   Net{KeepAlive: -1, LocalAddr: "127.0.0.1"}, wantLocal: "127.0.0.1",
		},
		{
			name: "tcp with local ip:port and keep-alive", network: "tcp",
			addr: func(*testing.T) string { return "127.0.0.1:0" },
			tr:   Net{KeepAlive: 30 * time.Second, LocalAddr: "127.0.0.1:0"}, wantLocal: "127.0.0.1",
		},
		{
			name: "tcp6 with local [ip]", network: "tcp6",
			addr: func(t *testing.T) string { needIPv6(t); return "[::1]:0" },
			tr:   Net{LocalAddr: "[::1]"}, wantLocal: "::1",
		},
		{name: "unix ignores local addr", network: "unix", addr: sockPath, tr: Net{LocalAddr: "127.0.0.1", KeepAlive: time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			ln, err := tt.tr.Listen(ctx, tt.network, tt.addr(t))
			if err != nil {
				t.Fatalf("Listen: %v", err)
			}
			serveEcho(t, ln)
			c, err := tt.tr.Dial(ctx, tt.network, ln.Addr().String())
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			defer c.Close()
			roundTrip(t, c, "hello "+tt.name)
			if tt.wantLocal != "" {
				la, ok := c.LocalAddr().(*net.TCPAddr)
				if !ok || la.IP.String() != tt.wantLocal {
					t.Errorf("local address %v, want ip %s", c.LocalAddr(), tt.wantLocal)
				}
			}
		})
	}
}

func TestNetInvalidLocalAddr(t *testing.T) {
	leakcheck.Check(t)
	for _, local := range []string{"localhost", "127.0.0.1:x", "not an ip"} {
		t.Run(local, func(t *testing.T) {
			c, err := Net{LocalAddr: local}.Dial(context.Background(), "tcp", "127.0.0.1:1")
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded with an invalid LocalAddr")
			}
			if !strings.HasPrefix(err.Error(), "transport: invalid LocalAddr") {
				t.Errorf("error %q, want one about LocalAddr", err)
			}
		})
	}
}

func TestUnsupportedNetwork(t *testing.T) {
	leakcheck.Check(t)
	cert := newSelfSigned(t)
	transports := []struct {
		name string
		tr   Transport
	}{
		{"Net", Net{}},
		{"TLS", TLS{Config: cert.ServerConfig()}},
	}
	ctx := context.Background()
	for _, tr := range transports {
		for _, network := range []string{"udp", "udp4", "ip4:icmp", "unixgram", "unixpacket", "TCP", ""} {
			t.Run(tr.name+"/"+network, func(t *testing.T) {
				ln, err := tr.tr.Listen(ctx, network, "127.0.0.1:0")
				if err == nil {
					ln.Close()
				}
				checkUnsupported(t, "Listen", err)
				c, err := tr.tr.Dial(ctx, network, "127.0.0.1:1")
				if err == nil {
					c.Close()
				}
				checkUnsupported(t, "Dial", err)
			})
		}
	}
}

func checkUnsupported(t *testing.T, op string, err error) {
	t.Helper()
	if !errors.Is(err, ErrUnsupportedNetwork) {
		t.Errorf("%s: error %v, want one wrapping ErrUnsupportedNetwork", op, err)
	} else if !strings.HasPrefix(err.Error(), "transport: ") {
		t.Errorf("%s: error %q does not start with \"transport: \"", op, err)
	}
}

func TestDialContextDone(t *testing.T) {
	leakcheck.Check(t)
	cert := newSelfSigned(t)
	ctx := context.Background()
	tcp, err := Net{}.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveEcho(t, tcp)
	unix, err := Net{}.Listen(ctx, "unix", sockPath(t))
	if err != nil {
		t.Fatal(err)
	}
	serveEcho(t, unix)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	expired, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel()
	contexts := []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"cancelled", cancelled, context.Canceled},
		{"deadline passed", expired, context.DeadlineExceeded},
	}
	transports := []struct {
		name string
		tr   Transport
	}{
		{"Net", Net{}},
		{"TLS", TLS{Config: cert.ClientConfig()}},
	}
	for _, tr := range transports {
		for _, ln := range []net.Listener{tcp, unix} {
			for _, cc := range contexts {
				network := ln.Addr().Network()
				t.Run(tr.name+"/"+network+"/"+cc.name, func(t *testing.T) {
					c, err := tr.tr.Dial(cc.ctx, network, ln.Addr().String())
					if err == nil {
						c.Close()
						t.Fatal("Dial succeeded with a done context")
					}
					if !errors.Is(err, cc.want) {
						t.Errorf("error %v, want one wrapping %v", err, cc.want)
					}
				})
			}
		}
	}
}

func TestUnixStaleSocketReplaced(t *testing.T) {
	leakcheck.Check(t)
	path := sockPath(t)
	// Leave a socket file behind, as a process that died would.
	raw, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	raw.SetUnlinkOnClose(false)
	raw.Close()
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Type() != os.ModeSocket {
		t.Fatalf("no stale socket file at %s: %v", path, err)
	}

	ln, err := Net{}.Listen(context.Background(), "unix", path)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	serveEcho(t, ln)
	c, err := Net{}.Dial(context.Background(), "unix", path)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	roundTrip(t, c, "fresh")
	c.Close()

	ln.Close()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file still there after Close: %v", err)
	}
}

func TestUnixLiveSocketNotStolen(t *testing.T) {
	leakcheck.Check(t)
	path := sockPath(t)
	live, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	serveEcho(t, live)

	ln, err := Net{}.Listen(context.Background(), "unix", path)
	if err == nil {
		ln.Close()
		t.Fatal("Listen took over a live socket")
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("error %v, want one wrapping EADDRINUSE", err)
	}
	c, err := Net{}.Dial(context.Background(), "unix", path)
	if err != nil {
		t.Fatalf("the live listener no longer answers: %v", err)
	}
	defer c.Close()
	roundTrip(t, c, "still mine")
}

func TestUnixRegularFileNotRemoved(t *testing.T) {
	leakcheck.Check(t)
	path := sockPath(t)
	if err := os.WriteFile(path, []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := Net{}.Listen(context.Background(), "unix", path)
	if err == nil {
		ln.Close()
		t.Fatal("Listen replaced a regular file")
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "data" {
		t.Errorf("the regular file was changed: %q, %v", b, err)
	}
}

func newSelfSigned(t *testing.T, hosts ...string) *SelfSigned {
	t.Helper()
	s, err := NewSelfSigned(hosts...)
	if err != nil {
		t.Fatalf("NewSelfSigned: %v", err)
	}
	return s
}

func TestTLSEcho(t *testing.T) {
	leakcheck.Check(t)
	cert := newSelfSigned(t)
	unixClient := cert.ClientConfig()
	unixClient.ServerName = "localhost"
	tls13 := cert.ClientConfig()
	tls13.MinVersion = tls.VersionTLS13
	tests := []struct {
		name    string
		network string
		addr    func(t *testing.T) string
		server  TLS
		client  TLS
	}{
		{
			name: "tcp", network: "tcp", addr: func(*testing.T) string { return "127.0.0.1:0" },
			server: TLS{Config: cert.ServerConfig()}, client: TLS{Config: cert.ClientConfig()},
		},
		{
			name: "tcp6", network: "tcp6", addr: func(t *testing.T) string { needIPv6(t); return "[::1]:0" },
			server: TLS{Config: cert.ServerConfig()}, client: TLS{Config: cert.ClientConfig()},
		},
		{
			name: "unix with ServerName", network: "unix", addr: sockPath,
			server: TLS{Config: cert.ServerConfig()}, client: TLS{Config: unixClient},
		},
		{
			name: "explicit inner and tls 1.3", network: "tcp", addr: func(*testing.T) string { return "127.0.0.1:0" },
			server: TLS{Inner: Net{KeepAlive: -1}, Config: cert.ServerConfig()},
			client: TLS{Inner: Net{LocalAddr: "127.0.0.1"}, Config: tls13, HandshakeTimeout: time.Minute},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			ln, err := tt.server.Listen(ctx, tt.network, tt.addr(t))
			if err != nil {
				t.Fatalf("Listen: %v", err)
			}
			serveEcho(t, ln)
			c, err := tt.client.Dial(ctx, tt.network, ln.Addr().String())
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			defer c.Close()
			tc, ok := c.(*tls.Conn)
			if !ok {
				t.Fatalf("Dial returned %T, want *tls.Conn", c)
			}
			st := tc.ConnectionState()
			if !st.HandshakeComplete || st.Version < tls.VersionTLS12 {
				t.Errorf("handshake complete %v, version %#x; want complete, TLS 1.2 or later", st.HandshakeComplete, st.Version)
			}
			if tt.client.Config.MinVersion == tls.VersionTLS13 && st.Version != tls.VersionTLS13 {
				t.Errorf("version %#x, want TLS 1.3", st.Version)
			}
			roundTrip(t, c, "secret "+tt.name)
		})
	}
}

func TestTLSAcceptReturnsTLSConnWithoutHandshake(t *testing.T) {
	leakcheck.Check(t)
	cert := newSelfSigned(t)
	ln, err := TLS{Config: cert.ServerConfig()}.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// A client that connects and says nothing must not block Accept.
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tc, ok := c.(*tls.Conn)
	if !ok {
		t.Fatalf("Accept returned %T, want *tls.Conn", c)
	}
	if tc.ConnectionState().HandshakeComplete {
		t.Error("Accept handshook with a silent client")
	}
}

func TestTLSHandshakeFails(t *testing.T) {
	leakcheck.Check(t)
	cert := newSelfSigned(t)
	other := newSelfSigned(t)
	named := newSelfSigned(t, "example.com")
	tests := []struct {
		name   string
		server *SelfSigned
		client *tls.Config
	}{
		{"untrusted certificate", cert, other.ClientConfig()},
		{"name not in certificate", named, named.ClientConfig()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := TLS{Config: tt.server.ServerConfig()}.Listen(context.Background(), "tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			serveEcho(t, ln)
			addr := ln.Addr().String()
			c, err := TLS{Config: tt.client}.Dial(context.Background(), "tcp", addr)
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded")
			}
			if want := "transport: tls handshake with " + addr; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q, want it to start with %q", err, want)
			}
			var verr *tls.CertificateVerificationError
			if !errors.As(err, &verr) {
				t.Errorf("error %v does not wrap a certificate verification error", err)
			}
		})
	}
}

func TestTLSHandshakeTimeout(t *testing.T) {
	leakcheck.Check(t)
	cert := newSelfSigned(t)
	// A plain TCP server that accepts and reads but never speaks TLS.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(ioTimeout))
				io.Copy(io.Discard, c)
			}()
		}
	}()
	defer wg.Wait()
	defer ln.Close()

	tests := []struct {
		name       string
		ctxTimeout time.Duration // 0: no deadline
		tr         TLS
	}{
		{"HandshakeTimeout", 0, TLS{Config: cert.ClientConfig(), HandshakeTimeout: 200 * time.Millisecond}},
		{"context deadline", 200 * time.Millisecond, TLS{Config: cert.ClientConfig()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctxTimeout)
				defer cancel()
			}
			c, err := tt.tr.Dial(ctx, "tcp", ln.Addr().String())
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded against a server that never speaks TLS")
			}
			if !strings.Contains(err.Error(), "tls handshake with") {
				t.Errorf("error %q does not mention the handshake", err)
			}
			// The context of the first case has no deadline, so only
			// HandshakeTimeout can have ended the handshake.
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error %v, want one wrapping context.DeadlineExceeded", err)
			}
		})
	}
}

func TestTLSConfigErrors(t *testing.T) {
	leakcheck.Check(t)
	ctx := context.Background()
	tests := []struct {
		name string
		tr   TLS
		want string
	}{
		{"nil config", TLS{}, "nil Config"},
		{"no certificate", TLS{Config: &tls.Config{}}, "no certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := tt.tr.Listen(ctx, "tcp", "127.0.0.1:0")
			if err == nil {
				ln.Close()
				t.Fatal("Listen succeeded")
			}
			if !strings.HasPrefix(err.Error(), "transport: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want one about %q", err, tt.want)
			}
		})
	}
	t.Run("dial nil config", func(t *testing.T) {
		c, err := TLS{}.Dial(ctx, "tcp", "127.0.0.1:1")
		if err == nil {
			c.Close()
			t.Fatal("Dial succeeded")
		}
		if !strings.Contains(err.Error(), "nil Config") {
			t.Errorf("error %q, want one about the nil Config", err)
		}
	})
	t.Run("GetCertificate is enough", func(t *testing.T) {
		cert := newSelfSigned(t)
		cfg := &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return &cert.Certificate, nil
		}}
		ln, err := TLS{Config: cfg}.Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("Listen: %v", err)
		}
		serveEcho(t, ln)
		c, err := TLS{Config: cert.ClientConfig()}.Dial(ctx, "tcp", ln.Addr().String())
		if err != nil {
			t.Fatalf("Dial: %v", err)
		}
		defer c.Close()
		roundTrip(t, c, "dynamic")
	})
}

func TestClientConfig(t *testing.T) {
	tests := []struct {
		name           string
		network, addr  string
		serverName     string
		minVersion     uint16
		wantServerName string
		wantMinVersion uint16
	}{
		{"dns name", "tcp", "example.com:443", "", 0, "example.com", tls.VersionTLS12},
		{"ipv4", "tcp4", "127.0.0.1:80", "", 0, "127.0.0.1", tls.VersionTLS12},
		{"ipv6 with zone", "tcp6", "[fe80::1%eth0]:80", "", 0, "fe80::1", tls.VersionTLS12},
		{"set ServerName kept", "tcp", "127.0.0.1:80", "svc.internal", tls.VersionTLS13, "svc.internal", tls.VersionTLS13},
		{"unix left empty", "unix", "/run/x.sock", "", 0, "", tls.VersionTLS12},
		{"unix ServerName kept", "unix", "/run/x.sock", "localhost", 0, "localhost", tls.VersionTLS12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := &tls.Config{ServerName: tt.serverName, MinVersion: tt.minVersion}
			got := clientConfig(orig, tt.network, tt.addr)
			if got.ServerName != tt.wantServerName || got.MinVersion != tt.wantMinVersion {
				t.Errorf("ServerName %q, MinVersion %#x; want %q, %#x", got.ServerName, got.MinVersion, tt.wantServerName, tt.wantMinVersion)
			}
			if orig.ServerName != tt.serverName || orig.MinVersion != tt.minVersion {
				t.Error("clientConfig modified the Config it was given")
			}
		})
	}
}

func TestNewSelfSigned(t *testing.T) {
	tests := []struct {
		name    string
		hosts   []string
		wantDNS []string
		wantIPs []string
	}{
		{"defaults", nil, []string{"localhost"}, []string{"127.0.0.1", "::1"}},
		{"given", []string{"svc.example", "10.0.0.1", "*.example.org"}, []string{"svc.example", "*.example.org"}, []string{"10.0.0.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSelfSigned(t, tt.hosts...)
			leaf := s.Certificate.Leaf
			if got := strings.Join(leaf.DNSNames, ","); got != strings.Join(tt.wantDNS, ",") {
				t.Errorf("DNS names %s, want %s", got, strings.Join(tt.wantDNS, ","))
			}
			var ips []string
			for _, ip := range leaf.IPAddresses {
				ips = append(ips, ip.String())
			}
			if got := strings.Join(ips, ","); got != strings.Join(tt.wantIPs, ",") {
				t.Errorf("IP addresses %s, want %s", got, strings.Join(tt.wantIPs, ","))
			}
			now := time.Now()
			if !leaf.NotBefore.Before(now.Add(-23*time.Hour)) || !leaf.NotAfter.After(now.AddDate(1, 0, -1)) {
				t.Errorf("valid %v to %v, want from 24h ago to a year ahead", leaf.NotBefore, leaf.NotAfter)
			}
			for _, name := range append([]string{tt.wantDNS[0]}, tt.wantIPs...) {
				if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: s.Pool}); err != nil {
					t.Errorf("Verify for %s: %v", name, err)
				}
			}
			srv1, srv2, cli1, cli2 := s.ServerConfig(), s.ServerConfig(), s.ClientConfig(), s.ClientConfig()
			if srv1 == srv2 || cli1 == cli2 {
				t.Error("configs are shared between calls, want new ones")
			}
			if s.ClientConfig().ServerName != "" {
				t.Error("ClientConfig sets ServerName")
			}
		})
	}
	if _, err := NewSelfSigned("localhost", ""); err == nil {
		t.Error("NewSelfSigned accepted an empty host")
	}
}

// TestSelfSignedPEM: a certificate written as PEM and read back serves a
// TLS handshake that a client trusting the original checks.
func TestSelfSignedPEM(t *testing.T) {
	orig := newSelfSigned(t)
	certPEM, keyPEM, err := orig.PEM()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseSelfSigned(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Certificate.Leaf.Equal(orig.Certificate.Leaf) {
		t.Fatal("the certificate read back differs")
	}
	ctx := context.Background()
	l, err := TLS{Config: back.ServerConfig()}.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err == nil {
			c.Write([]byte("x"))
			c.Close()
		}
	}()
	c, err := TLS{Config: orig.ClientConfig()}.Dial(ctx, "tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("a client trusting the original: %v", err)
	}
	c.Close()
	if _, err := ParseSelfSigned(certPEM, certPEM); err == nil {
		t.Fatal("a certificate given as its own key was accepted")
	}
}
