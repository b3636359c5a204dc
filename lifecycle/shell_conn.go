package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dmicro-go/dmicro/rpc"
)

// The shell's connection to the app. It dials on the first command that
// needs the app and keeps the connection. After a reload the control
// socket is served by the new process: when another client reloaded the
// app, the old process tells the shell it is going away once it has
// drained, and the connection moves to the new one by itself (rpc's
// redial); when the shell reloaded it, it dials the new process at once.
// A connection that closed (the app stopped, or the move failed) is
// dialed again at the next command.

// reconnectTimeout bounds the wait for the new process after a reload.
const reconnectTimeout = 10 * time.Second

// dial connects to the app's control socket. Log lines pushed on the
// connection go to sh.follow; a move to a new process is signalled on
// sh.moves.
func (sh *shell) dial(ctx context.Context) (*client, error) {
	moves := sh.moves
	ep, err := rpc.NewEndpoint(rpc.Config{
		Network: "unix",
		// The session dials once again when the app goes away (a reload
		// hands the socket on), whatever the attempts.
		Redial: rpc.RedialPolicy{OnReconnecting: func(*rpc.Session, int) {
			select {
			case moves <- struct{}{}:
			default:
			}
		}},
	})
	if err != nil {
		return nil, err
	}
	err = ep.Router().HandlePush(ctlLogLine, rpc.PushFunc(func(_ *rpc.PushCtx, l *LogLine) error {
		sh.follow.push(*l)
		return nil
	}))
	if err != nil {
		ep.Close()
		return nil, err
	}
	sess, err := ep.Dial(ctx, sh.cfg.ctl)
	if err != nil {
		ep.Close()
		return nil, fmt.Errorf("%w: nothing answers on %s: %w", ErrNotRunning, sh.cfg.ctl, err)
	}
	return &client{ep: ep, sess: sess}, nil
}

// client returns the connection to the app, dialing when there is none
// or the one there has closed.
func (sh *shell) client(ctx context.Context) (*client, error) {
	if sh.conn != nil {
		select {
		case <-sh.conn.sess.Done():
			sh.disconnect()
		default:
			return sh.conn, nil
		}
	}
	c, err := sh.dial(ctx)
	if err != nil {
		return nil, err
	}
	sh.conn = c
	return c, nil
}

// disconnect closes the connection, if any.
func (sh *shell) disconnect() {
	if sh.conn != nil {
		sh.conn.close()
		sh.conn = nil
	}
}

// call calls method on the app. A call that finds the connection closed
// (the app stopped or reloaded since the last command) dials again and,
// if retry is set (the method may run twice), is made once more.
func (sh *shell) call(ctx context.Context, method string, arg, reply any, retry bool) error {
	c, err := sh.client(ctx)
	if err != nil {
		return err
	}
	err = c.call(ctx, method, arg, reply)
	if rpc.CodeOf(err) != rpc.CodeConnClosed || ctx.Err() != nil {
		return err
	}
	sh.disconnect()
	if !retry {
		return err
	}
	if c, err = sh.client(ctx); err != nil {
		return err
	}
	return c.call(ctx, method, arg, reply)
}

// info asks the app for its state.
func (sh *shell) info(ctx context.Context) (Info, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var info Info
	err := sh.call(ctx, ctlInfo, struct{}{}, &info, true)
	return info, err
}

// reconnect connects to the process pid, the one a reload started: the
// old one may still accept on the control socket they share until it has
// closed its side, so a connection that reaches it is closed and dialed
// again. It gives up after reconnectTimeout; the next command then takes
// whichever answers.
func (sh *shell) reconnect(ctx context.Context, pid int) error {
	sh.disconnect()
	ctx, cancel := context.WithTimeout(ctx, reconnectTimeout)
	defer cancel()
	delay := 5 * time.Millisecond
	for {
		c, err := sh.dial(ctx)
		if err == nil {
			var info Info
			if err = c.call(ctx, ctlInfo, struct{}{}, &info); err == nil && info.Pid == pid {
				sh.conn = c
				return nil
			}
			c.close()
			if err == nil {
				err = fmt.Errorf("pid %d still answers", info.Pid)
			}
		}
		// The old process closes its side of the socket as soon as it
		// starts draining: a short wait, doubled up to 200 ms.
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("pid %d does not answer on %s: %w", pid, sh.cfg.ctl, err)
		}
		delay = min(2*delay, 200*time.Millisecond)
	}
}

// fail prints why a command that needed the app failed, and returns the
// exit code: [ExitNotRunning] when nothing answers on the control socket,
// [ExitUsage] for a name the app does not know or an argument it refuses,
// [ExitFailed] otherwise.
func (sh *shell) fail(ctx context.Context, what string, err error) int {
	st := rpc.StatusOf(err)
	switch {
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		sh.errorf("%s: interrupted", what)
		return ExitFailed
	case errors.Is(err, ErrNotRunning), st.Code() == rpc.CodeConnClosed:
		fmt.Fprintf(sh.errOut, "%s is not running (no answer on %s)\n", sh.app.Name, sh.cfg.ctl)
		return ExitNotRunning
	case st.Code() == rpc.CodeNotFound || st.Code() == rpc.CodeInvalidArgument:
		sh.errorf("%s: %s", what, st.Message())
		return ExitUsage
	case st.Message() != "":
		sh.errorf("%s: %s", what, st.Message())
	default:
		sh.errorf("%s: %v", what, err)
	}
	return ExitFailed
}
