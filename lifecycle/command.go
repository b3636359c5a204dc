package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dmicro-go/dmicro/internal/rotate"
	"github.com/dmicro-go/dmicro/lifecycle/conf"
)

// options are the command line's flags.
type options struct {
	config, env, pid, log, http string
	debug, detach, json         bool
	timeout                     time.Duration
}

// globalFlags registers the flags every command takes.
func (o *options) globalFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.config, "config", o.config, "the configuration `file`")
	fs.StringVar(&o.env, "env", o.env, "the environment whose overlay sections apply (e.g. dev, prod)")
	fs.StringVar(&o.pid, "pid", o.pid, "the pid `file`; the control socket is beside it (default $TMPDIR/NAME.pid)")
	fs.StringVar(&o.log, "log", o.log, "the log `file`, rotated by size (default: stderr; $TMPDIR/NAME.log when detached)")
	fs.BoolVar(&o.debug, "debug", o.debug, "log at debug level")
}

// foregroundArgs is the command line of a process that runs the app in
// the foreground with these options: the one a reload or a detached start
// starts.
func (o options) foregroundArgs() []string {
	args := []string{"start"}
	add := func(name, v string) {
		if v != "" {
			args = append(args, "--"+name, v)
		}
	}
	add("config", o.config)
	add("env", o.env)
	add("pid", o.pid)
	add("log", o.log)
	add("http", o.http)
	if o.debug {
		args = append(args, "--debug")
	}
	return args
}

// Main runs the command line args (without the program name) and returns
// the exit code: call it as os.Exit(app.Main(os.Args[1:])). The commands:
//
//	start [-d] [--http ADDR]   run the app (in the foreground, or detached with -d)
//	stop [-timeout D]          stop the running app gracefully, then by force
//	reload                     hot-restart the running app
//	status [-json]             show the running app's state
//	ctl [COMMAND ...]          the control shell, or one of its commands
//	version                    show the build
//	help                       show this
//
// Every command takes --config FILE, --env NAME, --pid FILE, --log FILE
// and --debug. The exit codes are [ExitOK], [ExitFailed], [ExitUsage] and
// [ExitNotRunning]. Main handles SIGINT, SIGTERM (stop), SIGHUP and
// SIGUSR2 (reload) while the app runs in it.
func (a *App) Main(args []string) int {
	return a.main(args, os.Stdin, os.Stdout, os.Stderr)
}

func (a *App) main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var o options
	gfs := flag.NewFlagSet(a.Name, flag.ContinueOnError)
	gfs.SetOutput(stderr)
	o.globalFlags(gfs)
	gfs.Usage = func() { a.usage(stderr) }
	if err := gfs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if gfs.NArg() == 0 {
		a.usage(stderr)
		return ExitUsage
	}
	cmd, rest := gfs.Arg(0), gfs.Args()[1:]
	fs := flag.NewFlagSet(a.Name+" "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	o.globalFlags(fs)
	switch cmd {
	case "start":
		fs.BoolVar(&o.detach, "d", false, "detach: run in the background, with a pid file and a log file")
		fs.StringVar(&o.http, "http", "", "serve the status page on `addr` (off by default)")
	case "stop":
		fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "how long to wait for a graceful stop before killing")
	case "reload", "ctl", "version":
	case "status":
		fs.BoolVar(&o.json, "json", false, "print JSON, for scripts")
	case "help", "-h", "--help":
		a.usage(stdout)
		return ExitOK
	default:
		fmt.Fprintf(stderr, "%s: unknown command %q\n", a.Name, cmd)
		a.usage(stderr)
		return ExitUsage
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if cmd == "version" {
		a.printVersion(stdout)
		return ExitOK
	}
	if o.config == "" {
		o.config = a.ConfigFile
	}
	if o.config != "" {
		if abs, err := filepath.Abs(o.config); err == nil {
			o.config = abs // a reload's process finds it wherever it runs
		}
	}
	file, cfg, err := a.loadConfig(o)
	if err != nil {
		if cmd == "reload" {
			fmt.Fprintf(stderr, "%s: reload refused, the running app keeps serving: %v\n", a.Name, err)
		} else {
			fmt.Fprintf(stderr, "%s: %v\n", a.Name, err)
		}
		return ExitUsage
	}
	ctx := context.Background()
	switch cmd {
	case "start":
		if o.detach {
			return a.detach(ctx, o, cfg, stdout, stderr)
		}
		return a.start(o, file, cfg, stderr)
	case "stop":
		return a.stopCommand(ctx, o, cfg, stdout, stderr)
	case "reload":
		return a.reloadCommand(ctx, cfg, stdout, stderr)
	case "status":
		return a.statusCommand(ctx, o, cfg, stdout, stderr)
	case "ctl":
		return a.ctlCommand(ctx, cfg, fs.Args(), stdin, stdout, stderr)
	}
	return ExitUsage
}

// loadConfig reads the configuration and applies defaults and flags.
func (a *App) loadConfig(o options) (*conf.File, appConfig, error) {
	var (
		file *conf.File
		err  error
	)
	if o.config != "" {
		file, err = conf.LoadFor(o.config, o.env, os.Environ(), a.sandboxNames())
	} else {
		file, err = conf.ParseFor("", nil, o.env, os.Environ(), a.sandboxNames())
	}
	if err != nil {
		return nil, appConfig{}, err
	}
	ac := file.App()
	cfg := appConfig{
		mode: ac.Mode, pid: ac.Pid, log: ac.Log,
		logMaxBytes: ac.LogMaxBytes, logBackups: ac.LogBackups,
		shutdownTimeout: ac.ShutdownTimeout, reloadTimeout: ac.ReloadTimeout,
		http: ac.HTTP, debug: ac.Debug,
	}
	switch cfg.mode {
	case "":
		cfg.mode = "single"
	case "single", "multi":
	default:
		return nil, cfg, fmt.Errorf("%s: [app] mode %q: want single or multi", file.Path(), cfg.mode)
	}
	if o.pid != "" {
		cfg.pid = o.pid
	}
	if cfg.pid == "" {
		cfg.pid = filepath.Join(os.TempDir(), a.Name+".pid")
	}
	if abs, err := filepath.Abs(cfg.pid); err == nil {
		cfg.pid = abs
	}
	cfg.ctl = strings.TrimSuffix(cfg.pid, ".pid") + ".sock"
	if o.log != "" {
		cfg.log = o.log
	}
	if cfg.log == "" && o.detach {
		cfg.log = filepath.Join(os.TempDir(), a.Name+".log")
	}
	if cfg.log != "" {
		if abs, err := filepath.Abs(cfg.log); err == nil {
			cfg.log = abs
		}
	}
	if o.http != "" {
		cfg.http = o.http
	}
	cfg.debug = cfg.debug || o.debug
	if cfg.logMaxBytes == 0 {
		cfg.logMaxBytes = DefaultLogMaxBytes
	}
	if cfg.logBackups == 0 {
		cfg.logBackups = DefaultLogBackups
	}
	if cfg.shutdownTimeout <= 0 {
		cfg.shutdownTimeout = DefaultShutdownTimeout
	}
	if cfg.reloadTimeout <= 0 {
		cfg.reloadTimeout = DefaultReloadTimeout
	}
	return file, cfg, nil
}

// start runs the app in the foreground.
func (a *App) start(o options, file *conf.File, cfg appConfig, stderr io.Writer) int {
	in, err := inherit(os.Environ())
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", a.Name, err)
		return ExitFailed
	}
	if in.role == roleService {
		// A service's process in multi-process mode logs to its output,
		// which the master copies into its log.
		cfg.log = ""
	}
	r := &runner{
		app: a, opt: o, file: file, cfg: cfg, in: in, stderr: stderr,
		set:       &sockets{inherited: in.sockets},
		started:   time.Now(),
		handedOff: make(chan int, 1),
		quit:      make(chan struct{}),
	}
	if r.exe, err = os.Executable(); err != nil {
		r.exe = os.Args[0]
	}
	var dest io.Writer = stderr
	if cfg.log != "" {
		lf, err := rotate.Open(rotate.Config{Path: cfg.log, MaxBytes: cfg.logMaxBytes, Backups: cfg.logBackups})
		if err != nil {
			err = fmt.Errorf("log file: %w", err)
			in.reportFailure(err)
			fmt.Fprintf(stderr, "%s: %v\n", a.Name, err)
			return ExitFailed
		}
		r.closeLog = func() { lf.Close() }
		dest = lf
	}
	r.logs = newLogHub(dest, cfg.debug)
	r.log = slog.New(r.logs.handler()).With("app", a.Name)
	// The app owns its process, as it owns its signals: what handlers log
	// with slog's functions goes to the app's log (and ctl log) too.
	slog.SetDefault(r.log)
	if in.role == roleService {
		r.log = r.log.With("service", in.service)
	}
	for _, s := range a.Services() {
		if in.role == roleService && s.Name() != in.service {
			continue
		}
		for _, sb := range s.Sandboxes() {
			run := &sandboxRun{sb: sb, service: s.Name(), state: Stopped, since: r.started}
			r.runs = append(r.runs, run)
			if r.byName == nil {
				r.byName = make(map[string]*sandboxRun)
			}
			r.byName[sb.Name()] = run
		}
	}
	if cfg.mode == "multi" && in.role != roleService {
		r.children = newChildren(r) // before the control socket serves
	}
	return r.serve()
}

// detach starts the app in the background and returns once it is ready.
func (a *App) detach(ctx context.Context, o options, cfg appConfig, stdout, stderr io.Writer) int {
	if info, err := queryCtl(ctx, cfg.ctl); err == nil {
		fmt.Fprintf(stderr, "%s: already running with pid %d\n", a.Name, info.Pid)
		return ExitFailed
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", a.Name, err)
		return ExitFailed
	}
	// The log file takes what the process writes outside its log (a
	// panic's trace) too.
	out, err := os.OpenFile(cfg.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintf(stderr, "%s: log file: %v\n", a.Name, err)
		return ExitFailed
	}
	defer out.Close()
	fo := o
	fo.log = cfg.log
	pid, _, err := spawn{
		path: exe, args: fo.foregroundArgs(), env: withoutHandoff(os.Environ()),
		role: roleDetach, stdout: out, stderr: out, setsid: true, timeout: cfg.reloadTimeout,
	}.start(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "%s: start failed: %v (log: %s)\n", a.Name, err, cfg.log)
		return ExitFailed
	}
	fmt.Fprintf(stdout, "%s started, pid %d, log %s\n", a.Name, pid, cfg.log)
	return ExitOK
}

// reloadCommand asks the running app to reload and waits for the answer.
func (a *App) reloadCommand(ctx context.Context, cfg appConfig, stdout, stderr io.Writer) int {
	// The app waits for its new process up to the reload timeout of the
	// configuration, which this command read too.
	ctx, cancel := context.WithTimeout(ctx, cfg.reloadTimeout+30*time.Second)
	defer cancel()
	c, err := dialCtl(ctx, cfg.ctl, nil)
	if err != nil {
		fmt.Fprintf(stderr, "%s is not running (no answer on %s)\n", a.Name, cfg.ctl)
		return ExitNotRunning
	}
	defer c.close()
	var before Info
	if err := c.call(ctx, ctlInfo, struct{}{}, &before); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", a.Name, err)
		return ExitFailed
	}
	var reply ReloadReply
	if err := c.call(ctx, ctlReload, struct{}{}, &reply); err != nil {
		fmt.Fprintf(stderr, "%s: reload failed; pid %d keeps serving: %v\n", a.Name, before.Pid, err)
		return ExitFailed
	}
	fmt.Fprintf(stdout, "%s reloaded: pid %d → %d\n", a.Name, before.Pid, reply.Pid)
	return ExitOK
}

// statusCommand prints the running app's state.
func (a *App) statusCommand(ctx context.Context, o options, cfg appConfig, stdout, stderr io.Writer) int {
	info, err := queryCtl(ctx, cfg.ctl)
	if err != nil {
		if o.json {
			json.NewEncoder(stdout).Encode(map[string]any{"name": a.Name, "running": false})
		} else {
			fmt.Fprintf(stdout, "%s is not running\n", a.Name)
		}
		return ExitNotRunning
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(struct {
			Running bool `json:"running"`
			Info
		}{true, info})
		return ExitOK
	}
	writeStatus(stdout, info)
	return ExitOK
}

// writeStatus prints an app's state for people.
func writeStatus(w io.Writer, info Info) {
	now := time.Now()
	fmt.Fprintf(w, "%s is running: pid %d, up %s, mode %s", info.Build.Name, info.Pid, uptime(now.Sub(info.Started)), info.Mode)
	if info.Env != "" {
		fmt.Fprintf(w, ", env %s", info.Env)
	}
	fmt.Fprintln(w)
	if info.Config != "" {
		fmt.Fprintf(w, "config: %s\n", info.Config)
	}
	if info.Log != "" {
		fmt.Fprintf(w, "log:    %s\n", info.Log)
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "SANDBOX\tSERVICE\tSTATE\tPID\tUPTIME\tERROR")
	for _, s := range info.Sandboxes {
		up := "-"
		if s.State == Running {
			up = uptime(now.Sub(s.Since))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", s.Name, s.Service, s.State, s.Pid, up, s.Error)
	}
	tw.Flush()
	if len(info.Children) > 0 {
		// Multi-process mode: the state of each service's process.
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "SERVICE\tPROCESS\tPID\tUPTIME\tDETAIL")
		for _, c := range info.Children {
			up, detail := "-", c.Detail
			if c.State == "RUNNING" {
				up, detail = uptime(now.Sub(c.Since)), ""
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", c.Service, c.State, c.Pid, up, detail)
		}
		tw.Flush()
	}
}

// uptime formats a duration as supervisord does: [D days, ]H:MM:SS.
func uptime(d time.Duration) string {
	s := int(d.Seconds())
	days, s := s/86400, s%86400
	out := fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	if days > 0 {
		out = fmt.Sprintf("%d days, %s", days, out)
	}
	return out
}

// printVersion prints the build.
func (a *App) printVersion(w io.Writer) {
	bi := a.BuildInfo()
	orNone := func(s string) string {
		if s == "" {
			return "(unknown)"
		}
		return s
	}
	fmt.Fprintf(w, "%s\n", bi.Name)
	fmt.Fprintf(w, "Version:      %s\n", orNone(bi.Version))
	fmt.Fprintf(w, "Go version:   %s\n", bi.GoVersion)
	fmt.Fprintf(w, "Git commit:   %s\n", orNone(bi.Commit))
	fmt.Fprintf(w, "Build time:   %s\n", orNone(bi.BuildTime))
	if bi.Authors != "" {
		fmt.Fprintf(w, "Authors:      %s\n", bi.Authors)
	}
	fmt.Fprintf(w, "Install path: %s\n", bi.Path)
}

// usage prints the help.
func (a *App) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s [flags] COMMAND [flags]\n", a.Name)
	if a.Description != "" {
		fmt.Fprintf(w, "\n%s\n", a.Description)
	}
	fmt.Fprint(w, `
Commands:
  start [-d] [--http ADDR]  run the app; -d detaches it (pid file, log file)
  stop [-timeout 30s]       stop the running app: gracefully, then by force
  reload                    hot-restart the running app; it keeps serving if that fails
  status [-json]            show the running app's state
  ctl [COMMAND]             the control shell, or one of its commands
  version                   show the build
  help                      show this

Flags of every command:
  --config FILE   the configuration file
  --env NAME      the environment whose overlay sections apply
  --pid FILE      the pid file; the control socket is beside it (default $TMPDIR/NAME.pid)
  --log FILE      the log file, rotated by size (default stderr; $TMPDIR/NAME.log with -d)
  --debug         log at debug level

Exit codes: 0 done (status: running), 1 failed, 2 usage or configuration error, 3 not running.
Signals: SIGTERM and SIGINT stop (a second one at once), SIGHUP and SIGUSR2 reload.
`)
}
