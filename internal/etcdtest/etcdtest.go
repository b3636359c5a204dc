// Package etcdtest starts real etcd members for tests: one member or a
// cluster on free 127.0.0.1 ports, each with a temporary data dir, waited
// for by polling its /health, and killed when the test ends.
//
// The etcd binary is the path in the environment variable DMICRO_ETCD
// when it is set (make test sets it to bin/etcd-3.7, built from
// internal/compat/etcd37, to run the etcd tests a second time against
// etcd 3.7), else "etcd" on PATH (Debian's etcd-server, 3.4). A set
// DMICRO_ETCD that names no executable fails the test; a missing etcd on
// PATH skips it, or fails it under CI=true (see internal/testenv). The
// first member a test binary starts logs the server's version (GET
// /version), so a run's output shows which etcd it exercised.
//
// StartTLS starts a member that serves its clients over https with a
// given certificate; peers always talk plain http.
package etcdtest

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/testenv"
	"github.com/dmicro-go/dmicro/transport"
)

// startTimeout bounds the wait for a member (or a cluster's leader).
const startTimeout = 30 * time.Second

// Member is one etcd process.
type Member struct {
	Name      string
	ClientURL string // "http://127.0.0.1:port" ("https://" with StartTLS)
	PeerURL   string
	bin       string
	dir       string // data dir
	cluster   string // --initial-cluster
	logPath   string
	certFile  string      // PEM certificate served to clients (StartTLS)
	keyFile   string      // its PEM key
	tls       *tls.Config // for polling the member itself (StartTLS)

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// Start starts a single-member cluster and returns it once healthy.
func Start(t testing.TB) *Member {
	t.Helper()
	return StartCluster(t, 1)[0]
}

// StartTLS starts a single-member cluster whose client URL is https,
// serving cert (written as PEM files to a temporary dir; it must name
// 127.0.0.1), and returns it once healthy. Clients must trust cert.Pool.
func StartTLS(t testing.TB, cert *transport.SelfSigned) *Member {
	t.Helper()
	certPEM, keyPEM, err := cert.PEM()
	if err != nil {
		t.Fatalf("etcdtest: certificate: %v", err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return startCluster(t, 1, func(m *Member) {
		m.ClientURL = "https" + strings.TrimPrefix(m.ClientURL, "http")
		m.certFile, m.keyFile = certFile, keyFile
		m.tls = &tls.Config{RootCAs: cert.Pool, MinVersion: tls.VersionTLS12}
	})[0]
}

// StartCluster starts an n-member cluster and returns it once every
// member is healthy (a leader elected).
func StartCluster(t testing.TB, n int) []*Member {
	t.Helper()
	return startCluster(t, n, nil)
}

// startCluster is StartCluster with setup, when not nil, applied to each
// member before it starts.
func startCluster(t testing.TB, n int, setup func(*Member)) []*Member {
	t.Helper()
	bin := Binary(t)
	root := t.TempDir()
	ms := make([]*Member, n)
	var cluster []string
	for i := range ms {
		m := &Member{Name: "m" + strconv.Itoa(i), bin: bin, dir: filepath.Join(root, "data"+strconv.Itoa(i)),
			logPath: filepath.Join(root, "m"+strconv.Itoa(i)+".log")}
		m.ClientURL = "http://" + freeAddr(t)
		m.PeerURL = "http://" + freeAddr(t)
		if setup != nil {
			setup(m)
		}
		cluster = append(cluster, m.Name+"="+m.PeerURL)
		ms[i] = m
	}
	for _, m := range ms {
		m.cluster = strings.Join(cluster, ",")
		m.start(t)
		t.Cleanup(m.Kill)
	}
	for _, m := range ms {
		m.WaitHealthy(t)
	}
	logVersion(t, ms[0])
	return ms
}

// EnvBinary names the environment variable that, when set, is the path of
// the etcd binary to run instead of "etcd" on PATH.
const EnvBinary = "DMICRO_ETCD"

// Binary returns the etcd binary tests run: $DMICRO_ETCD when set (the
// test fails when it names no executable file), else etcd on PATH
// (skipped when missing, failed under CI=true).
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(EnvBinary); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			t.Fatalf("etcdtest: %s=%s: %v", EnvBinary, p, err)
		}
		return path
	}
	return testenv.LookPath(t, "etcd", "apt-get install -y etcd-server")
}

// versionOnce makes logVersion log once per test binary.
var versionOnce sync.Once

// logVersion logs, once per test binary, the server and cluster version
// that m reports on GET /version, with its binary's path.
func logVersion(t testing.TB, m *Member) {
	t.Helper()
	versionOnce.Do(func() {
		var v struct {
			Server  string `json:"etcdserver"`
			Cluster string `json:"etcdcluster"`
		}
		if err := m.get(m.ClientURL+"/version", &v); err != nil {
			t.Logf("etcdtest: %s: version unknown: %v", m.bin, err)
			return
		}
		t.Logf("etcdtest: etcd %s (cluster %s) from %s", v.Server, v.Cluster, m.bin)
	})
}

// Endpoints returns the members' client URLs.
func Endpoints(ms []*Member) []string {
	eps := make([]string, len(ms))
	for i, m := range ms {
		eps[i] = m.ClientURL
	}
	return eps
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func (m *Member) start(t testing.TB) {
	t.Helper()
	logf, err := os.OpenFile(m.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(m.bin, "--name", m.Name, "--data-dir", m.dir,
		"--listen-client-urls", m.ClientURL, "--advertise-client-urls", m.ClientURL,
		"--listen-peer-urls", m.PeerURL, "--initial-advertise-peer-urls", m.PeerURL,
		"--initial-cluster", m.cluster, "--initial-cluster-state", "new",
		"--initial-cluster-token", "etcdtest")
	if m.certFile != "" {
		cmd.Args = append(cmd.Args, "--cert-file", m.certFile, "--key-file", m.keyFile)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("etcdtest: start %s: %v", m.Name, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	m.mu.Lock()
	m.cmd, m.done = cmd, done
	m.mu.Unlock()
}

// Kill kills the member's process (SIGKILL) and waits for it to end. It
// does nothing when the member is not running.
func (m *Member) Kill() {
	m.mu.Lock()
	cmd, done := m.cmd, m.done
	m.cmd = nil
	m.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Kill()
	<-done
}

// Restart kills the member if it runs and starts it again on the same
// ports, its data dir removed first when wipe is set, then waits until it
// is healthy.
func (m *Member) Restart(t testing.TB, wipe bool) {
	t.Helper()
	m.Kill()
	if wipe {
		if err := os.RemoveAll(m.dir); err != nil {
			t.Fatal(err)
		}
	}
	m.start(t)
	m.WaitHealthy(t)
}

// WaitHealthy polls the member's /health until it says true.
func (m *Member) WaitHealthy(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for {
		var h struct {
			Health string `json:"health"`
		}
		if err := m.get(m.ClientURL+"/health", &h); err == nil && h.Health == "true" {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(m.logPath)
			t.Fatalf("etcdtest: %s not healthy after %v; its log:\n%s", m.Name, startTimeout, tail(log))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Leader returns the member that leads, asking the running members'
// /v3/maintenance/status until one names a running member.
func Leader(t testing.TB, ms []*Member) *Member {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for {
		for _, m := range ms {
			var st struct {
				Header struct {
					MemberID string `json:"member_id"`
				} `json:"header"`
				Leader string `json:"leader"`
			}
			if !m.Running() || m.post(m.ClientURL+"/v3/maintenance/status", &st) != nil {
				continue
			}
			if st.Leader != "" && st.Leader == st.Header.MemberID {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("etcdtest: no leader after %v", startTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Running reports whether the member's process runs.
func (m *Member) Running() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cmd != nil
}

func (m *Member) get(url string, v any) error {
	return m.do(http.MethodGet, url, v)
}

func (m *Member) post(url string, v any) error {
	return m.do(http.MethodPost, url, v)
}

func (m *Member) do(method, url string, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader("{}"))
	if err != nil {
		return err
	}
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, TLSClientConfig: m.tls}}
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d", url, res.StatusCode)
	}
	return json.Unmarshal(data, v)
}

func tail(b []byte) []byte {
	if len(b) > 4000 {
		return b[len(b)-4000:]
	}
	return b
}
