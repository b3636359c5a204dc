package main

import (
	"context"
	"strings"

	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// confirm asks a yes-or-no question in the shell, and reports whether the
// answer starts with y. Outside the shell the answer is yes.
func (c *ctl) confirm(question string) bool {
	if !c.asking || c.ed == nil {
		return true
	}
	answer, err := c.ed.ReadLine(question)
	return err == nil && strings.HasPrefix(strings.ToLower(answer), "y")
}

func doShutdown(c *ctl, ctx context.Context, args []string) error {
	if c.noArgs("shutdown", args) || !c.confirm("Really shut the remote supervisord process down y/N? ") {
		return nil
	}
	err := c.call(ctx, "shutdown", nil)
	switch {
	case err == nil:
		c.println("Shut down")
	case faultCode(err) == xmlrpc.FaultShutdownState:
		c.println("ERROR: already shutting down")
	case isRefused(err):
		c.println("ERROR: " + c.opts.serverURL + " refused connection (already shut down?)")
		c.status = lsbGeneric
	case isNoSocket(err):
		c.println("ERROR: " + c.opts.serverURL + " no such file (already shut down?)")
		c.status = lsbGeneric
	default:
		c.status = lsbGeneric
		return err
	}
	return nil
}

func doReload(c *ctl, ctx context.Context, args []string) error {
	if c.noArgs("reload", args) || !c.confirm("Really restart the remote supervisord process y/N? ") {
		return nil
	}
	err := c.call(ctx, "restart", nil)
	switch {
	case err == nil:
		c.println("Restarted supervisord")
	case faultCode(err) == xmlrpc.FaultShutdownState:
		c.println("ERROR: already shutting down")
		c.status = lsbGeneric
	default:
		c.status = lsbGeneric
		return err
	}
	return nil
}

func doVersion(c *ctl, ctx context.Context, args []string) error {
	if c.noArgs("version", args) {
		return nil
	}
	if ok, err := c.upcheck(ctx); !ok {
		return err
	}
	var v string
	if err := c.call(ctx, "getSupervisorVersion", &v); err != nil {
		return err
	}
	c.println(v)
	return nil
}

// doOpen connects to another server and shows its status, keeping the
// exit status.
func doOpen(c *ctl, ctx context.Context, args []string) error {
	url := strings.Join(args, " ")
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "unix://") {
		c.println("ERROR: url must be http:// or unix://")
		c.status = lsbGeneric
		return nil
	}
	old := c.opts.serverURL
	c.opts.serverURL = url
	if err := c.connect(); err != nil {
		c.opts.serverURL = old
		c.println("ERROR: " + err.Error())
		c.status = lsbGeneric
		return nil
	}
	status := c.status
	err := doStatus(c, ctx, nil)
	c.status = status
	return err
}
