//go:build unix

package lifecycle_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/lifecycle"
	"github.com/dmicro-go/dmicro/rpc"
	"github.com/dmicro-go/dmicro/transport"
	"github.com/dmicro-go/dmicro/transport/kcp"
	"github.com/dmicro-go/dmicro/transport/quic"
)

// envUDPApp makes the test binary run udpApp instead of the tests. It is
// read by a package variable's initializer, which runs before TestMain, so
// that app_test.go's TestMain needs no case for it; a reload re-executes
// the binary with the same environment, so the new process is udpApp too.
const envUDPApp = "LIFECYCLE_TEST_UDP_APP"

var _ = runUDPApp()

func runUDPApp() bool {
	if os.Getenv(envUDPApp) == "" {
		return false
	}
	os.Exit(udpApp().Main(os.Args[1:]))
	return true
}

// udpPid is the call every UDP sandbox answers with its process's pid.
const udpPid = "/udp/pid"

// udpApp is an app of two sandboxes, "kcp" and "quic", each an rpc
// endpoint on the UDP ListenAddr of its section, listening through the
// sandbox's Binder so that the socket passes to the new process at a
// reload. The quic sandbox serves the TLSCert and TLSKey of its section.
func udpApp() *lifecycle.App {
	app := lifecycle.NewApp("lifecycle-udp-test")
	for _, name := range []string{"kcp", "quic"} {
		if err := app.AddSandbox(&udpSandbox{name: name}); err != nil {
			panic(err)
		}
	}
	return app
}

// udpSandbox serves udpPid over kcp or quic.
type udpSandbox struct {
	lifecycle.BaseSandbox
	name string
	ep   *rpc.Endpoint
	qt   *quic.Transport // the quic sandbox's, to wait for its socket
}

func (s *udpSandbox) Name() string { return s.name }

func (s *udpSandbox) Setup(ctx context.Context) error {
	cfg, err := s.EndpointConfig()
	if err != nil {
		return err
	}
	switch s.name {
	case "kcp":
		cfg.Transport = kcp.Transport{Config: kcp.Config{Binder: s.Binder()}}
	case "quic":
		if cfg.TLSConfig == nil {
			return errors.New("the quic sandbox needs TLSCert and TLSKey")
		}
		s.qt = quic.New(quic.Config{TLS: cfg.TLSConfig, Binder: s.Binder()})
		cfg.Transport = s.qt
	}
	if s.ep, err = rpc.NewEndpoint(cfg); err != nil {
		return err
	}
	err = s.ep.Router().HandleCall(udpPid, rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (int, error) {
		return os.Getpid(), nil
	}))
	if err != nil {
		return err
	}
	return s.ep.ListenAndServe()
}

// Shutdown drains the endpoint (going away to every session) and, for
// quic, waits until its connections' last packets are sent: QUIC runs in
// the process, which exits right after.
func (s *udpSandbox) Shutdown(ctx context.Context) error {
	err := s.ep.Shutdown(ctx)
	if s.qt != nil {
		err = errors.Join(err, s.qt.Wait(ctx))
	}
	return err
}

// udpBed is a directory with the UDP app's configuration, pid file, log
// and certificate.
type udpBed struct {
	t                 *testing.T
	dir, conf, pid    string
	kcpAddr, quicAddr string
	ss                *transport.SelfSigned // the quic sandbox's certificate
}

func newUDPBed(t *testing.T) *udpBed {
	t.Helper()
	dir := t.TempDir()
	b := &udpBed{t: t, dir: dir, conf: filepath.Join(dir, "app.conf"), pid: filepath.Join(dir, "app.pid"),
		kcpAddr: freeUDPPort(t), quicAddr: freeUDPPort(t)}
	ss, err := transport.NewSelfSigned("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	b.ss = ss
	certPEM, keyPEM, err := ss.PEM()
	if err != nil {
		t.Fatal(err)
	}
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(cert, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf("[app]\nshutdown_timeout = 10s\nreload_timeout = 30s\n\n"+
		"[sandbox.kcp]\nNetwork = udp\nListenAddr = %s\n\n"+
		"[sandbox.quic]\nNetwork = udp\nListenAddr = %s\nTLSCert = %s\nTLSKey = %s\n",
		b.kcpAddr, b.quicAddr, cert, key)
	if err := os.WriteFile(b.conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *udpBed) logPath() string { return filepath.Join(b.dir, "app.log") }

// run runs a command of the UDP app and returns its output and exit code.
func (b *udpBed) run(args ...string) (string, int) {
	b.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		b.t.Fatal(err)
	}
	full := append([]string{args[0], "--config", b.conf, "--pid", b.pid, "--log", b.logPath()}, args[1:]...)
	cmd := exec.Command(exe, full...)
	cmd.Env = append(os.Environ(), envUDPApp+"=1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		b.t.Fatal(err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

func freeUDPPort(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().String()
}

// udpGone reports whether pid has exited (a zombie counts as gone).
func udpGone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}

// udpProbe is the rpc clients of one transport, calling udpPid in a loop,
// and what they saw.
type udpProbe struct {
	name string
	ep   *rpc.Endpoint
	sess *rpc.Session

	disconnects, reconnects atomic.Int64

	mu     sync.Mutex
	ok     int
	failed map[rpc.Code]int
	errs   map[string]int    // the text of each kind of failure, numbers elided
	first  map[int]time.Time // when each pid first answered
	stall  time.Duration     // the longest time a caller went without an answer
	lastOK map[int]time.Time // each caller's last answer
}

// udpCallers is the callers of each transport.
const udpCallers = 4

// udpRecover bounds how long the clients of a transport may go unanswered
// by the new process after a reload. A kcp connection whose packets the
// new process took can stall until kcp's PeerTimeout (15 s) closes it and
// the session redials; the old process drains for at most the app's
// shutdown_timeout (10 s here).
const udpRecover = 60 * time.Second

func newUDPProbe(t *testing.T, ctx context.Context, name, addr string, tr transport.Transport) *udpProbe {
	t.Helper()
	p := &udpProbe{name: name, failed: map[rpc.Code]int{}, errs: map[string]int{},
		first: map[int]time.Time{}, lastOK: map[int]time.Time{}}
	cfg := rpc.Config{
		Network:   "udp",
		Transport: tr,
		Redial: rpc.RedialPolicy{
			Attempts: -1, MinDelay: 10 * time.Millisecond, MaxDelay: 200 * time.Millisecond,
			OnDisconnect: func(*rpc.Session, error) { p.disconnects.Add(1) },
			OnReconnect:  func(*rpc.Session) { p.reconnects.Add(1) },
		},
	}
	var err error
	if p.ep, err = rpc.NewEndpoint(cfg); err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if p.sess, err = p.ep.Dial(dctx, addr); err != nil {
		p.ep.Close()
		t.Fatalf("%s: dial %s: %v", name, addr, err)
	}
	return p
}

var digits = regexp.MustCompile(`[0-9]+`)

// call makes one call and records it.
func (p *udpProbe) call(ctx context.Context, caller int) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var pid int
	err := p.sess.Call(cctx, udpPid, struct{}{}, &pid)
	now := time.Now()
	if ctx.Err() != nil {
		return // the test ended it
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.failed[rpc.CodeOf(err)]++
		p.errs[digits.ReplaceAllString(err.Error(), "N")]++
		return
	}
	p.ok++
	if _, seen := p.first[pid]; !seen {
		p.first[pid] = now
	}
	if last, ok := p.lastOK[caller]; ok && now.Sub(last) > p.stall {
		p.stall = now.Sub(last)
	}
	p.lastOK[caller] = now
}

// firstAnswer returns when pid first answered, if it has.
func (p *udpProbe) firstAnswer(pid int) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	at, ok := p.first[pid]
	return at, ok
}

func (p *udpProbe) okCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ok
}

// report says what the callers saw.
func (p *udpProbe) report() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	failed := 0
	var codes []string
	for _, c := range slices.Sorted(maps.Keys(p.failed)) {
		failed += p.failed[c]
		codes = append(codes, fmt.Sprintf("%d %s", p.failed[c], c))
	}
	var errs []string
	for _, e := range slices.Sorted(maps.Keys(p.errs)) {
		errs = append(errs, fmt.Sprintf("%d× %s", p.errs[e], e))
	}
	return fmt.Sprintf("%s: %d calls ok, %d failed [%s], %d disconnects, %d reconnects, longest stall %v\n    errors: %s",
		p.name, p.ok, failed, strings.Join(codes, ", "), p.disconnects.Load(), p.reconnects.Load(),
		p.stall.Round(time.Millisecond), strings.Join(errs, "; "))
}

// TestUDPTransportsAcrossReload reloads an app serving rpc over kcp and
// over quic while rpc clients of each (a Redial policy, 4 callers each)
// call in a loop, and logs what the clients saw: failed calls and their
// codes, disconnects and reconnects, the longest stall, and how long after
// each reload the new process first answered. The old and the new process
// share the UDP socket until the old one exits, and the kernel hands each
// datagram to one of them, so that is not deterministic; the test asserts
// only that the new process answers each transport after every reload,
// and that every caller is answered again at the end. HOTRESTART.md has
// the numbers of a few runs.
func TestUDPTransportsAcrossReload(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and reloads an app over kcp and quic")
	}
	const reloads = 5
	b := newUDPBed(t)
	if out, code := b.run("start", "-d"); code != 0 {
		log, _ := os.ReadFile(b.logPath())
		t.Fatalf("start -d exited %d: %s\nlog:\n%s", code, out, log)
	}
	t.Cleanup(func() {
		if out, code := b.run("stop"); code != 0 && code != 3 {
			t.Errorf("stop exited %d: %s", code, out)
		}
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	quicClient := quic.New(quic.Config{TLS: b.ss.ClientConfig()})
	defer func() {
		// After the endpoints' Close (deferred below, so run before):
		// the quic connections linger in the background until closed.
		wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer wcancel()
		if err := quicClient.Wait(wctx); err != nil {
			t.Errorf("the quic client's sockets are still open: %v", err)
		}
	}()
	probes := []*udpProbe{
		newUDPProbe(t, ctx, "kcp", b.kcpAddr, kcp.Transport{}),
		newUDPProbe(t, ctx, "quic", b.quicAddr, quicClient),
	}
	var wg sync.WaitGroup
	for _, p := range probes {
		defer p.ep.Close()
		for c := range udpCallers {
			wg.Go(func() {
				for ctx.Err() == nil {
					p.call(ctx, c)
					if ctx.Err() == nil {
						time.Sleep(time.Millisecond) // a call every ms or so per caller, failed or not
					}
				}
			})
		}
	}
	stopCallers := sync.OnceFunc(func() {
		cancel()
		wg.Wait()
	})
	defer stopCallers()

	// waitOK waits until every probe has had n more answers.
	waitOK := func(n int, why string) {
		t.Helper()
		base := make([]int, len(probes))
		for i, p := range probes {
			base[i] = p.okCount()
		}
		deadline := time.Now().Add(udpRecover)
		for i, p := range probes {
			for p.okCount() < base[i]+n {
				if time.Now().After(deadline) {
					t.Fatalf("%s: %d answers in %v %s, want %d\n%s", p.name, p.okCount()-base[i], udpRecover, why, n, p.report())
				}
				time.Sleep(5 * time.Millisecond) // polling the callers' counters
			}
		}
	}
	waitOK(50, "before the first reload")

	pidRe := regexp.MustCompile(`pid (\d+) → (\d+)`)
	var lines []string
	for i := range reloads {
		start := time.Now()
		out, code := b.run("reload")
		ready := time.Now()
		if code != 0 {
			t.Fatalf("reload %d exited %d: %s", i+1, code, out)
		}
		m := pidRe.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("reload %d said %q", i+1, out)
		}
		oldPid, _ := strconv.Atoi(m[1])
		newPid, _ := strconv.Atoi(m[2])
		// The new process must answer on each transport (clients recover).
		line := fmt.Sprintf("reload %d (pid %d → %d): reload command returned (new process ready) after %v;", i+1, oldPid, newPid, ready.Sub(start).Round(time.Millisecond))
		for _, p := range probes {
			deadline := time.Now().Add(udpRecover)
			for {
				if at, ok := p.firstAnswer(newPid); ok {
					line += fmt.Sprintf(" %s first answered by the new process after %v;", p.name, at.Sub(start).Round(time.Millisecond))
					break
				}
				if time.Now().After(deadline) {
					log, _ := os.ReadFile(b.logPath())
					t.Fatalf("reload %d: no %s call answered by the new process %d within %v\n%s\nlog:\n%s", i+1, p.name, newPid, udpRecover, p.report(), log)
				}
				time.Sleep(5 * time.Millisecond) // polling the callers' record
			}
		}
		// The old process drains, then exits: the next reload starts
		// from one process on the socket.
		deadline := time.Now().Add(30 * time.Second)
		for !udpGone(oldPid) {
			if time.Now().After(deadline) {
				t.Fatalf("reload %d: the old process %d did not exit within 30 s", i+1, oldPid)
			}
			time.Sleep(5 * time.Millisecond) // polling: the app is not our child
		}
		lines = append(lines, line+fmt.Sprintf(" old process gone after %v", time.Since(start).Round(time.Millisecond)))
		waitOK(50, fmt.Sprintf("after reload %d", i+1))
	}
	stopCallers()
	for _, l := range lines {
		t.Log(l)
	}
	for _, p := range probes {
		t.Log(p.report())
	}
	if log, err := os.ReadFile(b.logPath()); err == nil && bytes.Contains(log, []byte("DATA RACE")) {
		t.Logf("the app's log reports a data race:\n%s", log)
	}
}
