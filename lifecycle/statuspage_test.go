package lifecycle_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/testenv"
	"github.com/dmicro-go/dmicro/lifecycle"
	"github.com/dmicro-go/dmicro/rpc/rpctest"
)

// statusReport is what /status.json answers.
type statusReport struct {
	lifecycle.Info
	Logs []string `json:"logs"`
}

// startStatusApp starts the test app detached with args after "start -d"
// and stops it when the test ends.
func startStatusApp(t *testing.T, b *testbed, args ...string) {
	t.Helper()
	out, code := b.run(append([]string{"start", "-d"}, args...)...)
	if code != 0 {
		t.Fatalf("start -d %q exited %d: %s", args, code, out)
	}
	t.Cleanup(func() {
		if out, code := b.run("stop"); code != 0 {
			t.Errorf("stop exited %d: %s", code, out)
		}
	})
}

// statusGet makes a request on a connection of its own (so that none is
// kept to a process that is going away) and returns the response with
// its body read.
func statusGet(t *testing.T, method, url string) (*http.Response, string) {
	t.Helper()
	resp, body, err := statusDo(t, method, url)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func statusDo(t *testing.T, method, url string) (*http.Response, string, error) {
	req, err := http.NewRequestWithContext(rpctest.Context(t), method, url, nil)
	if err != nil {
		return nil, "", err
	}
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, string(body), err
}

// statusJSON gets /status.json.
func statusJSON(t *testing.T, base string) (statusReport, error) {
	t.Helper()
	resp, body, err := statusDo(t, "GET", base+"/status.json")
	if err != nil {
		return statusReport{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return statusReport{}, fmt.Errorf("GET /status.json: %s: %s", resp.Status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return statusReport{}, fmt.Errorf("GET /status.json: Content-Type %q", ct)
	}
	var rep statusReport
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		return statusReport{}, fmt.Errorf("GET /status.json: %v: %s", err, body)
	}
	return rep, nil
}

// checkRunning checks that the report shows the test app's sandboxes
// running in process pid, and their start in the log.
func checkRunning(t *testing.T, rep statusReport, pid int) {
	t.Helper()
	if rep.Pid != pid {
		t.Errorf("pid %d, want %d", rep.Pid, pid)
	}
	if rep.Build.Name != "lifecycle-test" || rep.Mode != "single" || rep.Started.IsZero() {
		t.Errorf("build %+v, mode %q, started %v", rep.Build, rep.Mode, rep.Started)
	}
	var names []string
	for _, s := range rep.Sandboxes {
		names = append(names, s.Service+"/"+s.Name)
		if s.State != lifecycle.Running || s.Pid != pid || s.Error != "" {
			t.Errorf("sandbox %+v, want RUNNING in pid %d", s, pid)
		}
	}
	if got := strings.Join(names, " "); got != "default/math web/web" {
		t.Errorf("sandboxes %s, want default/math web/web", got)
	}
	for _, name := range []string{"math", "web"} {
		if !containsLine(rep.Logs, "lifecycle: sandbox running", "sandbox="+name) {
			t.Errorf("no log line of sandbox %s running in:\n%s", name, strings.Join(rep.Logs, "\n"))
		}
	}
}

// containsLine reports whether a line holds every one of parts.
func containsLine(lines []string, parts ...string) bool {
	for _, line := range lines {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("pid file %s: %v", path, err)
	}
	return pid
}

// cspAllows checks that the policy's directive allows the inline element
// whose text is the one between open and end in page.
func cspAllows(t *testing.T, policy, directive, page, open, end string) {
	t.Helper()
	_, rest, ok := strings.Cut(page, open)
	text, _, ok2 := strings.Cut(rest, end)
	if !ok || !ok2 {
		t.Fatalf("no %s…%s in the page", open, end)
	}
	sum := sha256.Sum256([]byte(text))
	want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	for d := range strings.SplitSeq(policy, ";") {
		fields := strings.Fields(d)
		if len(fields) > 0 && fields[0] == directive {
			for _, src := range fields[1:] {
				if src == want {
					return
				}
			}
		}
	}
	t.Errorf("Content-Security-Policy %q: %s does not allow the page's %s (%s)", policy, directive, open, want)
}

func TestStatusPage(t *testing.T) {
	b := newTestbed(t)
	addr := freePort(t)
	base := "http://" + addr
	startStatusApp(t, b, "--http", addr, "--env", "<i>dev</i>")
	pid := readPid(t, b.pid)

	t.Run("json", func(t *testing.T) {
		rep, err := statusJSON(t, base)
		if err != nil {
			t.Fatal(err)
		}
		checkRunning(t, rep, pid)
		if rep.Env != "<i>dev</i>" || rep.Config != b.conf {
			t.Errorf("env %q, config %q; want <i>dev</i>, %s", rep.Env, rep.Config, b.conf)
		}
	})

	t.Run("html", func(t *testing.T) {
		resp, page := statusGet(t, "GET", base+"/")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /: %s: %s", resp.Status, page)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		for _, want := range []string{
			"<title>lifecycle-test · pid " + strconv.Itoa(pid) + "</title>",
			`<b id="pid">` + strconv.Itoa(pid) + "</b>",
			`<td class="name">math</td><td class="state RUNNING">RUNNING</td><td class="num">` + strconv.Itoa(pid) + "</td>",
			`<td class="name">web</td><td class="state RUNNING">RUNNING</td>`,
			"env &lt;i&gt;dev&lt;/i&gt;", // escaped
			b.conf,
			"lifecycle: sandbox running",
			`<meta http-equiv="refresh" content="5">`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the page has no %q:\n%s", want, page)
			}
		}
		if strings.Contains(page, "<i>dev</i>") || strings.Contains(page, "src=") || strings.Contains(page, "href=") {
			t.Errorf("the page has unescaped text or outside assets:\n%s", page)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		cspAllows(t, csp, "script-src", page, "<script>", "</script>")
		cspAllows(t, csp, "style-src", page, "<style>", "</style>")
	})

	t.Run("methods", func(t *testing.T) {
		for _, c := range []struct {
			method, path string
			code         int
		}{
			{"HEAD", "/", http.StatusOK},
			{"HEAD", "/status.json", http.StatusOK},
			{"POST", "/", http.StatusMethodNotAllowed},
			{"PUT", "/status.json", http.StatusMethodNotAllowed},
			{"DELETE", "/", http.StatusMethodNotAllowed},
			{"GET", "/nothing", http.StatusNotFound},
		} {
			resp, body := statusGet(t, c.method, base+c.path)
			if resp.StatusCode != c.code {
				t.Errorf("%s %s: %s, want %d", c.method, c.path, resp.Status, c.code)
			}
			if c.code == http.StatusMethodNotAllowed && !strings.Contains(resp.Header.Get("Allow"), "GET") {
				t.Errorf("%s %s: Allow %q", c.method, c.path, resp.Header.Get("Allow"))
			}
			if c.method == "HEAD" && body != "" {
				t.Errorf("HEAD %s has a body: %q", c.path, body)
			}
		}
	})
}

// TestStatusPageReload sets the address in the [app] section and checks
// that the page keeps its port across a reload, served by the new process.
func TestStatusPageReload(t *testing.T) {
	b := newTestbed(t)
	addr := freePort(t)
	base := "http://" + addr
	b.writeConf("")
	text, err := os.ReadFile(b.conf)
	if err != nil {
		t.Fatal(err)
	}
	text = bytes.Replace(text, []byte("[app]\n"), []byte("[app]\nhttp = "+addr+"\n"), 1)
	if err := os.WriteFile(b.conf, text, 0o644); err != nil {
		t.Fatal(err)
	}
	startStatusApp(t, b)
	oldPid := readPid(t, b.pid)
	rep, err := statusJSON(t, base)
	if err != nil {
		t.Fatal(err)
	}
	checkRunning(t, rep, oldPid)

	out, code := b.run("reload")
	if code != 0 {
		t.Fatalf("reload exited %d: %s", code, out)
	}
	m := regexp.MustCompile(`pid (\d+) → (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("reload said %q", out)
	}
	newPid, _ := strconv.Atoi(m[2])
	if newPid == oldPid {
		t.Fatalf("reload kept pid %d", oldPid)
	}
	// Both processes accept on the socket until the old one has drained:
	// every request must be answered, by the new process in the end.
	rpctest.WaitFor(t, "the page to be served by the new process", func() bool {
		rep, err = statusJSON(t, base)
		if err != nil {
			t.Fatalf("during the reload: %v", err)
		}
		return rep.Pid == newPid
	})
	checkRunning(t, rep, newPid)
	_, page := statusGet(t, "GET", base+"/")
	if want := `<b id="pid">` + strconv.Itoa(newPid) + "</b>"; !strings.Contains(page, want) {
		t.Errorf("the page after the reload has no %q:\n%s", want, page)
	}
}

// TestStatusPageBadAddress checks that an address the page cannot listen
// on fails the start, naming it.
func TestStatusPageBadAddress(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, addr := range []string{"no-port-here", "127.0.0.1:no-such-port", busy.Addr().String()} {
		t.Run(addr, func(t *testing.T) {
			b := newTestbed(t)
			out, code := b.run("start", "-d", "--http", addr)
			if code == 0 {
				b.run("stop")
				t.Fatalf("start -d --http %s succeeded: %s", addr, out)
			}
			if !strings.Contains(out, "status page") || !strings.Contains(out, addr) {
				t.Errorf("start -d --http %s exited %d without naming the address: %s", addr, code, out)
			}
			if out, code := b.run("status"); code != 3 {
				t.Errorf("status after the failed start exited %d: %s", code, out)
			}
		})
	}
}

// TestStatusPageChromium loads the page in headless Chromium and checks
// the DOM it built: the sandboxes, their state, and the note that the
// page's script writes (so the Content-Security-Policy let it run).
func TestStatusPageChromium(t *testing.T) {
	chromium := findChromium(t)
	b := newTestbed(t)
	addr := freePort(t)
	startStatusApp(t, b, "--http", addr)
	pid := readPid(t, b.pid)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var dom, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, chromium,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(),
		"--dump-dom", "http://"+addr+"/")
	cmd.Stdout, cmd.Stderr = &dom, &stderr
	cmd.WaitDelay = 10 * time.Second // for a helper that escaped the group and holds the output
	statusOwnGroup(cmd)
	err := cmd.Run()
	t.Cleanup(func() {
		statusKillGroup(cmd)
		rpctest.WaitFor(t, "chromium's processes to end", func() bool { return statusGroupGone(cmd) })
	})
	if err != nil {
		t.Fatalf("%s: %v\n%s", chromium, err, stderr.String())
	}
	got := dom.String()
	for _, want := range []string{
		`<td class="name">math</td><td class="state RUNNING">RUNNING</td>`,
		`<td class="name">web</td><td class="state RUNNING">RUNNING</td>`,
		`<b id="pid">` + strconv.Itoa(pid) + "</b>",
		`<p id="refresh" class="">refreshes every 5 s</p>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the DOM has no %q:\n%s\nchromium's stderr:\n%s", want, got, stderr.String())
		}
	}
}

// findChromium returns the path of chromium or chromium-browser, or skips
// the test (fails it under CI=true) with an install hint.
func findChromium(t *testing.T) string {
	if _, err := exec.LookPath("chromium"); err != nil {
		if path, err := exec.LookPath("chromium-browser"); err == nil {
			return path
		}
	}
	return testenv.LookPath(t, "chromium", "apt-get install -y chromium")
}
