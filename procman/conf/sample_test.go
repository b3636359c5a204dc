//go:build unix

package conf

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/testenv"
)

// sampleConfig returns the sample configuration that supervisord prints
// with echo_supervisord_conf (Debian's package supervisor has it).
func sampleConfig(t *testing.T) string {
	t.Helper()
	path := testenv.LookPath(t, "echo_supervisord_conf", "apt-get install -y supervisor")
	out, err := exec.Command(path).Output()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return string(out)
}

// TestSupervisordSample parses supervisord's own sample configuration.
func TestSupervisordSample(t *testing.T) {
	f, err := Parse("sample.conf", strings.NewReader(sampleConfig(t)), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if f.UnixHTTPServer == nil || f.UnixHTTPServer.File != "/tmp/supervisor.sock" || f.Supervisorctl == nil ||
		f.Supervisorctl.ServerURL != "unix:///tmp/supervisor.sock" || f.Supervisord.Logfile != "/tmp/supervisord.log" {
		t.Errorf("sample: %+v %+v %+v", f.UnixHTTPServer, f.Supervisorctl, f.Supervisord)
	}
	if len(f.Programs) != 0 || len(f.Warnings) != 0 {
		t.Errorf("sample: programs %+v, warnings %q", f.Programs, f.Warnings)
	}
}

// sampleKeyLine is a commented-out key or section header of the sample:
// ";key=value" or ";[section]", with no blank after the ';'.
var sampleKeyLine = regexp.MustCompile(`^;(\[[a-z_]+(:[a-z]+)?\]|[a-z_]+ *=)`)

// TestSupervisordSampleUncommented parses the sample with every key and
// section it comments out put back, but the [eventlistener:x] procman
// refuses, and its group naming the program it defines: every key
// supervisord documents there is one procman knows.
func TestSupervisordSampleUncommented(t *testing.T) {
	var b strings.Builder
	skip := false
	for _, line := range strings.Split(sampleConfig(t), "\n") {
		if sampleKeyLine.MatchString(line) {
			line = line[1:]
		}
		if strings.HasPrefix(line, "[") {
			skip = strings.HasPrefix(line, "[eventlistener:")
		}
		if !skip {
			b.WriteString(line + "\n")
		}
	}
	// The sample's group names programs it does not define.
	text := strings.Replace(b.String(), "programs=progname1,progname2", "programs=theprogramname", 1)
	f, err := Parse("sample.conf", strings.NewReader(text), testOptions())
	if err != nil {
		t.Fatalf("%v\nin\n%s", err, text)
	}
	if len(f.Programs) != 1 || f.InetHTTPServer == nil || len(f.Groups) != 1 {
		t.Fatalf("programs %+v, inet_http_server %+v, groups %+v", f.Programs, f.InetHTTPServer, f.Groups)
	}
	p := f.Programs[0]
	if p.Name != "theprogramname" || p.Group != "thegroupname" || p.Command != "/bin/cat" || p.StopWait != 10*time.Second ||
		p.User != "chrism" || p.Stdout.File != "/a/path" || p.Stdout.MaxBytes != 1<<20 || !p.RedirectStderr ||
		strings.Join(p.Env, ",") != "KEY=value,A=1,B=2" {
		t.Errorf("the sample's program: %+v", p)
	}
	for _, w := range f.Warnings {
		t.Log("warning:", w)
	}
}
