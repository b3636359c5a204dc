package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

// The control protocol: dmicro rpc (raw frames, JSON bodies) over the
// unix socket beside the pid file, mode 0600.
const (
	ctlInfo    = "/ctl/info"    // struct{} → Info
	ctlReload  = "/ctl/reload"  // struct{} → ReloadReply
	ctlStart   = "/ctl/start"   // NameArg → Info
	ctlStop    = "/ctl/stop"    // NameArg → Info
	ctlDebug   = "/ctl/debug"   // DebugArg → DebugArg
	ctlLog     = "/ctl/log"     // LogArg → struct{}; then pushes ctlLogLine
	ctlLogStop = "/ctl/log_end" // struct{} → LogEnd
	ctlQuit    = "/ctl/quit"    // struct{} → struct{}; the app stops
	ctlLogLine = "/ctl/log_line"
)

// ReloadReply is the answer of a reload.
type ReloadReply struct {
	Pid int `json:"pid"` // the new process
}

// NameArg names a sandbox or a service.
type NameArg struct {
	Name string `json:"name"`
}

// DebugArg switches debug logging.
type DebugArg struct {
	On bool `json:"on"`
}

// LogArg asks for the log's lines at a level and above.
type LogArg struct {
	Level string `json:"level"`
}

// LogLine is one line of the log, pushed to a follower. Seq numbers the
// lines of one follow from 1, so that the follower can put back in order
// the pushes its handlers run concurrently.
type LogLine struct {
	Line string `json:"line"`
	Seq  uint64 `json:"seq,omitempty"`
}

// LogEnd ends a follow; Dropped counts the lines the follower was too slow
// to take.
type LogEnd struct {
	Dropped int `json:"dropped"`
}

// serveCtl opens the control socket and serves it.
func (r *runner) serveCtl(ctx context.Context) error {
	if r.cfg.ctl == "" {
		return nil
	}
	ep, err := rpc.NewEndpoint(rpc.Config{Network: "unix", Logger: r.log.With("component", "ctl")})
	if err != nil {
		return err
	}
	router := ep.Router()
	err = errors.Join(
		router.HandleCall(ctlInfo, rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (Info, error) { return r.info(), nil })),
		router.HandleCall(ctlReload, rpc.CallFunc(func(c *rpc.CallCtx, _ *struct{}) (ReloadReply, error) {
			pid, err := r.reload(c.Context())
			if err != nil {
				r.log.Error("lifecycle: reload failed", "by", "ctl", "err", err)
				return ReloadReply{}, rpc.WrapStatus(rpc.CodeUnavailable, "", err)
			}
			return ReloadReply{Pid: pid}, nil
		})),
		router.HandleCall(ctlStart, rpc.CallFunc(func(c *rpc.CallCtx, a *NameArg) (Info, error) {
			err := r.ctlStartStop(c.Context(), a.Name, true)
			return r.info(), err
		})),
		router.HandleCall(ctlStop, rpc.CallFunc(func(c *rpc.CallCtx, a *NameArg) (Info, error) {
			err := r.ctlStartStop(c.Context(), a.Name, false)
			return r.info(), err
		})),
		router.HandleCall(ctlDebug, rpc.CallFunc(func(_ *rpc.CallCtx, a *DebugArg) (DebugArg, error) {
			r.logs.setDebug(a.On)
			r.log.Info("lifecycle: debug logging", "on", a.On)
			return DebugArg{On: r.logs.debug()}, nil
		})),
		router.HandleCall(ctlLog, rpc.CallFunc(r.ctlFollowLog)),
		router.HandleCall(ctlLogStop, rpc.CallFunc(func(c *rpc.CallCtx, _ *struct{}) (LogEnd, error) {
			v, _ := c.Session().Values().Load(ctlLog)
			if stop, ok := v.(func() int); ok {
				return LogEnd{Dropped: stop()}, nil
			}
			return LogEnd{}, nil
		})),
		router.HandleCall(ctlQuit, rpc.CallFunc(func(*rpc.CallCtx, *struct{}) (struct{}, error) {
			r.stop()
			return struct{}{}, nil
		})),
	)
	if err != nil {
		ep.Close()
		return err
	}
	ln, err := r.set.listen(ctx, "unix", r.cfg.ctl, nil)
	if err != nil {
		ep.Close()
		return fmt.Errorf("lifecycle: control socket: %w", err)
	}
	if err := os.Chmod(r.cfg.ctl, 0o600); err != nil {
		ln.Close()
		ep.Close()
		return fmt.Errorf("lifecycle: control socket: %w", err)
	}
	r.ctl, r.ctlLn = ep, ln
	go ep.Serve(ln)
	return nil
}

// ctlStartStop starts or stops a sandbox or a service.
func (r *runner) ctlStartStop(ctx context.Context, name string, start bool) error {
	if r.children != nil {
		return r.children.startStop(ctx, name, start)
	}
	runs, err := r.sandboxesOf(name)
	if err != nil {
		return rpc.WrapStatus(rpc.CodeNotFound, "", err)
	}
	if start {
		for _, run := range runs {
			if err := r.startSandbox(ctx, run); err != nil {
				return rpc.WrapStatus(rpc.CodeInternal, "", err)
			}
		}
		return nil
	}
	sctx, cancel := context.WithTimeout(ctx, r.cfg.shutdownTimeout)
	defer cancel()
	for i := len(runs) - 1; i >= 0; i-- {
		r.stopSandbox(sctx, runs[i])
	}
	return nil
}

// ctlFollowLog pushes the log's lines at the asked level to the caller's
// session, until it asks to stop or goes.
func (r *runner) ctlFollowLog(c *rpc.CallCtx, a *LogArg) (struct{}, error) {
	level, ok := parseLevel(a.Level)
	if !ok {
		return struct{}{}, rpc.Errorf(rpc.CodeInvalidArgument, "unknown log level %q (debug, info, warn, error)", a.Level)
	}
	s := c.Session()
	if _, loaded := s.Values().Load(ctlLog); loaded {
		return struct{}{}, rpc.Errorf(rpc.CodeInvalidArgument, "this session follows the log already")
	}
	sub := r.logs.follow(level)
	stopped := make(chan struct{})
	done := make(chan int, 1)
	stop := func() int {
		select {
		case <-stopped:
		default:
			close(stopped)
		}
		return <-done
	}
	s.Values().Store(ctlLog, stop)
	go func() {
		defer func() {
			s.Values().Delete(ctlLog)
			done <- r.logs.unfollow(sub)
		}()
		var seq uint64
		for {
			select {
			case line := <-sub.lines:
				seq++
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				err := s.Push(ctx, ctlLogLine, LogLine{Line: line, Seq: seq})
				cancel()
				if err != nil {
					return
				}
			case <-stopped:
				return
			case <-s.Done():
				return
			}
		}
	}()
	return struct{}{}, nil
}

// client is a connection to a running app's control socket.
type client struct {
	ep   *rpc.Endpoint
	sess *rpc.Session
}

// dialCtl connects to the control socket at path.
func dialCtl(ctx context.Context, path string, pushes func(LogLine)) (*client, error) {
	ep, err := rpc.NewEndpoint(rpc.Config{Network: "unix"})
	if err != nil {
		return nil, err
	}
	if pushes != nil {
		err := ep.Router().HandlePush(ctlLogLine, rpc.PushFunc(func(_ *rpc.PushCtx, l *LogLine) error {
			pushes(*l)
			return nil
		}))
		if err != nil {
			ep.Close()
			return nil, err
		}
	}
	sess, err := ep.Dial(ctx, path)
	if err != nil {
		ep.Close()
		return nil, fmt.Errorf("%w: nothing answers on %s: %w", ErrNotRunning, path, err)
	}
	return &client{ep: ep, sess: sess}, nil
}

func (c *client) call(ctx context.Context, method string, arg, reply any) error {
	return c.sess.Call(ctx, method, arg, reply)
}

func (c *client) close() { c.ep.Close() }

// query asks the running app for its state, briefly.
func (r *runner) query(ctx context.Context) (Info, error) {
	return queryCtl(ctx, r.cfg.ctl)
}

// queryCtl asks the app serving the control socket at path for its state.
func queryCtl(ctx context.Context, path string) (Info, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	c, err := dialCtl(ctx, path, nil)
	if err != nil {
		return Info{}, err
	}
	defer c.close()
	var info Info
	if err := c.call(ctx, ctlInfo, struct{}{}, &info); err != nil {
		return Info{}, fmt.Errorf("%w: %s: %w", ErrNotRunning, path, err)
	}
	return info, nil
}
