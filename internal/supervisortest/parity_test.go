//go:build linux

package supervisortest_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/supervisortest"
	"github.com/dmicro-go/dmicro/procman"
	"github.com/dmicro-go/dmicro/procman/api"
	"github.com/dmicro-go/dmicro/procman/conf"
	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// scenario is one program of a parity configuration: what to wait for
// before the daemon is stopped, and the sequences supervisord's code
// makes, up to then and while the daemon shuts down.
type scenario struct {
	process string // group:name
	section string
	until   string // the state whose n-th entry ends the scenario
	n       int
	stop    bool   // stopped with stopProcess once RUNNING
	want    string // up to the end of the scenario
	atExit  string // while the daemon shuts down
}

// scenarios are the cases of TestParity. Their timings make the order of
// the states certain under either daemon, on a busy machine too: a child
// that should count as started runs a second past startsecs; one that
// should fail exits at once, well within startsecs; the child that ignores
// SIGTERM has done so long before it is RUNNING.
func scenarios(c supervisortest.Children) []scenario {
	return []scenario{{
		process: "normal:normal",
		section: `[program:normal]
command = ` + c.Command("exit-after", "2s", "0") + `
startsecs = 1
autorestart = unexpected
`,
		until: "EXITED", n: 1,
		want: "STOPPED>STARTING STARTING>RUNNING RUNNING>EXITED(expected)",
	}, {
		process: "crash:crash",
		section: `[program:crash]
command = ` + c.Command("exit", "1") + `
startsecs = 5
startretries = 2
`,
		until: "FATAL", n: 1,
		want: "STOPPED>STARTING STARTING>BACKOFF BACKOFF>STARTING STARTING>BACKOFF BACKOFF>STARTING STARTING>BACKOFF BACKOFF>FATAL",
	}, {
		process: "stubborn:stubborn",
		section: `[program:stubborn]
command = ` + c.Command("ignore-term") + `
startsecs = 3
stopwaitsecs = 1
`,
		until: "STOPPED", n: 1, stop: true,
		want: "STOPPED>STARTING STARTING>RUNNING RUNNING>STOPPING STOPPING>STOPPED",
	}, {
		process: "unexpected:unexpected",
		section: `[program:unexpected]
command = ` + c.Command("exit-seq", "%(here)s/unexpected.runs", "2s", "1", "3") + `
startsecs = 1
autorestart = unexpected
exitcodes = 0,3
`,
		until: "EXITED", n: 2,
		want: "STOPPED>STARTING STARTING>RUNNING RUNNING>EXITED(unexpected) EXITED>STARTING STARTING>RUNNING RUNNING>EXITED(expected)",
	}, {
		process: "missing:missing",
		section: `[program:missing]
command = %(here)s/no-such-program
startsecs = 5
startretries = 1
`,
		until: "FATAL", n: 1,
		want: "STOPPED>STARTING STARTING>BACKOFF BACKOFF>STARTING STARTING>BACKOFF BACKOFF>FATAL",
	}}
}

// shutdownScenarios are the cases of TestParityShutdown: a process in each
// state when the daemon is asked to exit. supervisord's shutdown stops
// what runs, gives up (FATAL) on what is in BACKOFF, and leaves EXITED,
// FATAL and STOPPED alone.
func shutdownScenarios(c supervisortest.Children) []scenario {
	return []scenario{{
		process: "running:running",
		section: `[program:running]
command = ` + c.Command("sleep") + `
startsecs = 1
`,
		until: "RUNNING", n: 1,
		want:   "STOPPED>STARTING STARTING>RUNNING",
		atExit: "RUNNING>STOPPING STOPPING>STOPPED",
	}, {
		process: "exited:exited",
		section: `[program:exited]
command = ` + c.Command("exit", "0") + `
startsecs = 0
autorestart = false
`,
		until: "EXITED", n: 1,
		want: "STOPPED>STARTING STARTING>RUNNING RUNNING>EXITED(expected)",
	}, {
		// Its third failed start is a second in; the fourth comes three
		// seconds after that: the daemon is stopped in between.
		process: "backoff:backoff",
		section: `[program:backoff]
command = ` + c.Command("exit", "1") + `
startsecs = 5
startretries = 100
`,
		until: "BACKOFF", n: 3,
		want:   "STOPPED>STARTING STARTING>BACKOFF BACKOFF>STARTING STARTING>BACKOFF BACKOFF>STARTING STARTING>BACKOFF",
		atExit: "BACKOFF>FATAL",
	}, {
		process: "fatal:fatal",
		section: `[program:fatal]
command = ` + c.Command("exit", "1") + `
startsecs = 5
startretries = 0
`,
		until: "FATAL", n: 1,
		want: "STOPPED>STARTING STARTING>BACKOFF BACKOFF>FATAL",
	}}
}

// TestParity runs one configuration under Debian's supervisord and under
// procman and compares, program by program, the sequence of state changes
// each daemon makes: a normal exit, a crash loop to FATAL, the stop of a
// child that ignores SIGTERM, autorestart=unexpected with exitcodes, and a
// command that does not exist.
//
// Neither sequence is polled, which could miss a short state (EXITED lasts
// a moment before the restart): supervisord reports every change to an
// event listener ([eventlistener:x] with events=PROCESS_STATE, a child of
// this binary that forwards each event to the test), and procman to a
// Supervisor.Subscribe channel. procman runs in the test process, put
// together as cmd/procman puts it together: the programs of conf.Load
// given to Supervisor.Update, and supervisord's XML-RPC interface from
// procman/api on the configuration's unix socket, through which the test
// stops the stubborn child under either daemon. The configuration is the
// same file but for the [eventlistener:x] section, which procman refuses.
// The listener ignores SIGTERM, so that it forwards the events of
// supervisord's shutdown until supervisord kills it, a second later.
//
// What each daemon reports while it shuts down is logged here, and
// compared by TestParityShutdown.
func TestParity(t *testing.T) {
	parity(t, scenarios, false)
}

// TestParityShutdown is TestParity for what each daemon reports when it
// is asked to exit while a process is RUNNING, EXITED, in BACKOFF, and
// FATAL.
func TestParityShutdown(t *testing.T) {
	parity(t, shutdownScenarios, true)
}

// parity runs the scenarios under both daemons and compares the
// sequences up to the end of the scenarios, and with atExit those the
// daemons report while they shut down.
func parity(t *testing.T, mk func(supervisortest.Children) []scenario, atExit bool) {
	sd := supervisord(t)
	e := newEnv(t)
	var sup, pm recording
	t.Run("daemons", func(t *testing.T) {
		t.Run("supervisord", func(t *testing.T) {
			t.Parallel()
			sup = paritySupervisord(t, e, sd, mk)
		})
		t.Run("procman", func(t *testing.T) {
			t.Parallel()
			pm = parityProcman(t, e, mk)
		})
	})
	scs := mk(e.children)
	if sup.full == nil || pm.full == nil {
		t.Fatal("a daemon did not run its scenarios")
	}
	for _, sc := range scs {
		t.Run(strings.SplitN(sc.process, ":", 2)[0], func(t *testing.T) {
			ref, got := seqString(sup.before[sc.process]), seqString(pm.before[sc.process])
			refExit, gotExit := seqString(sup.full.Sequence(sc.process)[len(sup.before[sc.process]):]), seqString(pm.full.Sequence(sc.process)[len(pm.before[sc.process]):])
			t.Logf("%s\n\tsupervisord: %s | at exit: %s\n\tprocman:     %s | at exit: %s", sc.process, ref, refExit, got, gotExit)
			if got != ref {
				t.Errorf("procman's states differ from supervisord's\n\tsupervisord: %s\n\tprocman:     %s", ref, got)
			}
			if !atExit {
				refExit, gotExit = sc.atExit, sc.atExit
			}
			if gotExit != refExit {
				t.Errorf("procman's states while it shuts down differ from supervisord's\n\tsupervisord: %s\n\tprocman:     %s", refExit, gotExit)
			}
			if ref != sc.want || refExit != sc.atExit {
				t.Errorf("supervisord's states are not those its code makes (the scenario is not what it means to be)\n\tgot:  %s | at exit: %s\n\twant: %s | at exit: %s", ref, refExit, sc.want, sc.atExit)
			}
		})
	}
}

// recording is what a daemon reported: the transitions up to the end of
// the scenarios, and all of them, those of the shutdown included.
type recording struct {
	before map[string][]supervisortest.Transition
	full   *supervisortest.Recorder
}

func seqString(ts []supervisortest.Transition) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.String()
	}
	return strings.Join(s, " ")
}

// caller calls XML-RPC methods: a Daemon, or the client of the in-process
// procman.
type caller interface {
	Call(ctx context.Context, method string, args []any, reply any) error
}

// drive waits for each scenario's end, stopping the stubborn child once it
// runs.
func drive(ctx context.Context, t *testing.T, c caller, rec *supervisortest.Recorder, scs []scenario) {
	t.Helper()
	for _, sc := range scs {
		if sc.stop {
			if err := rec.Wait(ctx, sc.process, "RUNNING", 1); err != nil {
				t.Fatal(err)
			}
			var ok bool
			if err := c.Call(ctx, "supervisor.stopProcess", []any{sc.process, true}, &ok); err != nil || !ok {
				t.Fatalf("stopProcess %s: %v, %v", sc.process, ok, err)
			}
		}
		if err := rec.Wait(ctx, sc.process, sc.until, sc.n); err != nil {
			t.Fatal(err)
		}
	}
}

// sections returns the scenarios for the children of the daemon in dir,
// and their configuration.
func sections(e env, dir string, mk func(supervisortest.Children) []scenario) ([]scenario, string) {
	scs := mk(e.childrenOf(dir))
	var b strings.Builder
	for _, sc := range scs {
		b.WriteString(sc.section + "\n")
	}
	return scs, b.String()
}

func paritySupervisord(t *testing.T, e env, bin string, mk func(supervisortest.Children) []scenario) recording {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	dir := e.dir(t, "parity-sd")
	scs, sections := sections(e, dir, mk)
	rec := &supervisortest.Recorder{}
	sock := filepath.Join(dir, "events.sock")
	stopEvents, err := supervisortest.ListenEvents(sock, rec)
	if err != nil {
		t.Fatal(err)
	}
	listener := fmt.Sprintf(`[eventlistener:recorder]
command = %s
events = PROCESS_STATE
buffer_size = 1000
stopwaitsecs = 1
`, e.children.Command("listener", sock))
	d, err := supervisortest.Start(ctx, supervisortest.Supervisord, bin, dir, supervisortest.Config(sections+listener))
	if err != nil {
		stopEvents()
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			d.Stop(30*time.Second, dir)
			stopEvents()
		}
	})
	drive(ctx, t, d, rec, scs)
	before := rec.Snapshot()
	stopped = true
	if err := d.Stop(30*time.Second, dir); err != nil {
		t.Errorf("supervisord: %v\n%s", err, d.Output())
	}
	if err := stopEvents(); err != nil {
		t.Error(err)
	}
	return recording{before: before, full: rec}
}

// parityProcman runs procman in the test process as cmd/procman does:
// conf.Load, procman.New, api.New on the unix socket of [unix_http_server],
// Supervisor.Update with the programs, and Shutdown at the end.
func parityProcman(t *testing.T, e env, mk func(supervisortest.Children) []scenario) recording {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	dir := e.dir(t, "parity-pm")
	scs, sections := sections(e, dir, mk)
	path := filepath.Join(dir, supervisortest.ConfName)
	if err := os.WriteFile(path, []byte(supervisortest.Config(sections)), 0o644); err != nil {
		t.Fatal(err)
	}
	cf, err := conf.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	sup, err := procman.New(procman.Config{})
	if err != nil {
		t.Fatal(err)
	}
	events, unsubscribe := sup.Subscribe()
	defer unsubscribe()
	rec := &supervisortest.Recorder{}
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		for ev := range events {
			tr := supervisortest.Transition{Process: ev.Process, From: ev.From.String(), To: ev.State.String()}
			if ev.State == procman.StateExited {
				tr.Expected = "unexpected"
				if ev.Expected {
					tr.Expected = "expected"
				}
			}
			rec.Add(tr)
		}
	}()
	h, err := api.New(api.Config{Supervisor: sup, Programs: cf.Programs})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", cf.UnixHTTPServer.File)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	client, err := xmlrpc.NewClient("unix://"+cf.UnixHTTPServer.File, nil)
	if err != nil {
		t.Fatal(err)
	}
	shut := false
	shutdown := func() {
		if shut {
			return
		}
		shut = true
		client.Close()
		srv.Close()
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := sup.Shutdown(sctx); err != nil {
			t.Errorf("procman: shutdown: %v", err)
		}
		<-recorded // the channel closes with the supervisor: every event is in
	}
	t.Cleanup(shutdown)
	if _, err := sup.Update(ctx, cf.Programs); err != nil {
		t.Fatal(err)
	}
	drive(ctx, t, client, rec, scs)
	before := rec.Snapshot()
	shutdown()
	return recording{before: before, full: rec}
}

// TestTransitionString pins the notation the parity tests report in.
func TestTransitionString(t *testing.T) {
	ts := []supervisortest.Transition{
		{Process: "a:a", From: "STOPPED", To: "STARTING"},
		{Process: "a:a", From: "RUNNING", To: "EXITED", Expected: "unexpected"},
	}
	got := []string{ts[0].String(), ts[1].String()}
	if want := []string{"STOPPED>STARTING", "RUNNING>EXITED(unexpected)"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
