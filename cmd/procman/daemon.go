package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/dmicro-go/dmicro/internal/rotate"
	"github.com/dmicro-go/dmicro/procman"
	"github.com/dmicro-go/dmicro/procman/api"
	"github.com/dmicro-go/dmicro/procman/conf"
	"github.com/dmicro-go/dmicro/transport"
)

// daemonEnv marks the detached copy of the daemon.
const daemonEnv = "PROCMAN_DETACHED"

// findConfig returns the configuration file: -c, or the first of the
// places supervisord looks.
func findConfig(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	here, _ := os.Getwd()
	exe, _ := os.Executable()
	for _, p := range []string{
		here + "/../etc/supervisord.conf", here + "/../supervisord.conf",
		here + "/supervisord.conf", here + "/etc/supervisord.conf",
		"/etc/supervisord.conf", "/etc/supervisor/supervisord.conf",
		exe + "/../etc/supervisord.conf",
	} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("procman: no configuration file found; give one with -c (supervisord's places were searched)")
}

// runDaemon runs the supervisor until a signal or a client ends it.
func runDaemon(args []string) int {
	fs := flag.NewFlagSet("procman", flag.ContinueOnError)
	cfgPath := fs.String("c", "", "the configuration `file` (supervisord's format)")
	nodaemon := fs.Bool("n", false, "run in the foreground")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	path, err := findConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitUsage
	}
	cf, err := conf.Load(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitUsage
	}
	if !*nodaemon && !cf.Supervisord.Nodaemon && os.Getenv(daemonEnv) == "" {
		return detach(args)
	}
	d, err := newDaemon(path, cf, *nodaemon || cf.Supervisord.Nodaemon)
	if err == nil {
		err = d.start()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		ready(err)
		if d != nil {
			d.shutdown()
		}
		return exitFailed
	}
	return d.run()
}

// daemon is the running supervisor and what serves it.
type daemon struct {
	path    string
	cf      *conf.File
	log     *slog.Logger
	logFile *rotate.File
	sup     *procman.Supervisor
	servers []*http.Server
	ls      []net.Listener // the servers' listeners, served once the programs are added
	done    chan struct{}  // closed to end the daemon
	restart chan struct{}  // a restart was asked for
	once    sync.Once
}

func newDaemon(path string, cf *conf.File, foreground bool) (*daemon, error) {
	d := &daemon{path: path, cf: cf, done: make(chan struct{}), restart: make(chan struct{}, 1)}
	for _, w := range cf.Warnings {
		fmt.Fprintln(os.Stderr, "procman: warning:", w)
	}
	raiseLimits(cf.Supervisord.Minfds)
	sd := cf.Supervisord
	var out io.Writer = io.Discard
	if sd.Logfile != "" && sd.Logfile != "syslog" {
		lf, err := rotate.Open(rotate.Config{Path: sd.Logfile, MaxBytes: sd.LogfileMaxBytes, Backups: sd.LogfileBackups})
		if err != nil {
			return nil, fmt.Errorf("procman: log: %w", err)
		}
		d.logFile, out = lf, lf
	}
	if foreground && !sd.Silent {
		out = io.MultiWriter(out, os.Stderr)
	}
	d.log = slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: sd.LogLevel}))
	if sd.Pidfile != "" {
		if err := os.WriteFile(sd.Pidfile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			return nil, fmt.Errorf("procman: pid file: %w", err)
		}
	}
	sup, err := procman.New(procman.Config{Logger: d.log})
	if err != nil {
		return nil, err
	}
	d.sup = sup
	cfg := api.Config{
		Supervisor:     sup,
		Programs:       cf.Programs,
		Reread:         d.reread,
		Shutdown:       d.stop,
		Restart:        d.askRestart,
		Identification: sd.Identifier,
		Version:        "procman " + version,
		Logger:         d.log,
	}
	if d.logFile != nil {
		cfg.MainLog = d.logFile
	}
	if s := cf.UnixHTTPServer; s != nil {
		if err := d.serveOn("unix", s.File, s.Username, s.Password, cfg, s.Chmod); err != nil {
			return nil, err
		}
	}
	if s := cf.InetHTTPServer; s != nil {
		if err := d.serveOn("tcp", s.Addr(), s.Username, s.Password, cfg, 0); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// serveOn serves the API on a listener of network at addr.
func (d *daemon) serveOn(network, addr, user, pass string, cfg api.Config, mode os.FileMode) error {
	cfg.Username, cfg.Password = user, pass
	h, err := api.New(cfg)
	if err != nil {
		return err
	}
	l, err := transport.Net{}.Listen(context.Background(), network, addr)
	if err != nil {
		return fmt.Errorf("procman: listen on %s: %w", addr, err)
	}
	if network == "unix" && mode != 0 {
		if err := os.Chmod(addr, mode); err != nil {
			l.Close()
			return fmt.Errorf("procman: chmod %s: %w", addr, err)
		}
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	d.servers = append(d.servers, srv)
	d.ls = append(d.ls, l)
	return nil
}

// serve starts serving on the listeners serveOn opened. It runs once the
// programs are added, so that no client sees the daemon without them
// (a call that came meanwhile waits in the listen queue).
func (d *daemon) serve() {
	for i, srv := range d.servers {
		l := d.ls[i]
		go func() {
			if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				d.log.Error("procman: serving stopped", "addr", l.Addr().String(), "err", err)
			}
		}()
		d.log.Info("procman: serving supervisord's XML-RPC interface", "addr", l.Addr().String())
	}
	d.ls = nil
}

// reread reads the configuration file again.
func (d *daemon) reread() ([]procman.Program, error) {
	cf, err := conf.Load(d.path)
	if err != nil {
		return nil, err
	}
	return cf.Programs, nil
}

func (d *daemon) stop() { d.once.Do(func() { close(d.done) }) }

func (d *daemon) askRestart() {
	select {
	case d.restart <- struct{}{}:
	default:
	}
}

// start adds the programs, starting those with autostart in priority
// order. A program that cannot be added (a log file that cannot be
// opened) fails the start, as a bad configuration does.
func (d *daemon) start() error {
	if _, err := d.sup.Update(context.Background(), d.cf.Programs); err != nil {
		d.log.Error("procman: cannot add the programs", "err", err)
		return err
	}
	d.serve()
	d.log.Info("procman: started", "pid", os.Getpid(), "config", d.path)
	return nil
}

// run serves until asked to end.
func (d *daemon) run() int {
	ctx := context.Background()
	ready(nil)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	for {
		select {
		case s := <-sigs:
			if s == syscall.SIGHUP {
				d.restartPrograms(ctx)
				continue
			}
			d.log.Info("procman: received a signal; stopping", "signal", s.String())
			return d.shutdown()
		case <-d.restart:
			d.restartPrograms(ctx)
		case <-d.done:
			d.log.Info("procman: shutdown asked for; stopping")
			return d.shutdown()
		}
	}
}

// restartPrograms stops every program, reads the configuration again and
// starts them, as supervisord's restart does.
func (d *daemon) restartPrograms(ctx context.Context) {
	d.log.Info("procman: restarting")
	progs, err := d.reread()
	if err != nil {
		d.log.Error("procman: cannot reread the configuration; keeping the running one", "err", err)
		return
	}
	if err := d.sup.StopAll(ctx); err != nil {
		d.log.Warn("procman: stopping", "err", err)
	}
	if _, err := d.sup.Update(ctx, nil); err != nil {
		d.log.Warn("procman: removing the programs", "err", err)
	}
	if _, err := d.sup.Update(ctx, progs); err != nil {
		d.log.Error("procman: starting the programs", "err", err)
	}
}

// shutdown stops every program in reverse priority, the servers, and
// removes the pid file.
func (d *daemon) shutdown() int {
	ctx := context.Background()
	err := d.sup.Shutdown(ctx)
	for _, l := range d.ls { // never served: start failed
		l.Close()
	}
	for _, s := range d.servers {
		sctx, cancel := context.WithTimeout(ctx, time.Second)
		s.Shutdown(sctx)
		cancel()
	}
	if p := d.cf.Supervisord.Pidfile; p != "" {
		os.Remove(p)
	}
	if s := d.cf.UnixHTTPServer; s != nil {
		os.Remove(s.File)
	}
	d.log.Info("procman: stopped")
	if d.logFile != nil {
		d.logFile.Close()
	}
	if err != nil {
		return exitFailed
	}
	return exitOK
}
