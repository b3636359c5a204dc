package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// tailBytes is how much of a log tail and maintail print by default.
const tailBytes = 1600

func doTail(c *ctl, ctx context.Context, args []string) error {
	if ok, err := c.upcheck(ctx); !ok {
		return err
	}
	switch {
	case len(args) < 1:
		c.println("Error: too few arguments")
		c.status = lsbGeneric
		c.help("tail")
		return nil
	case len(args) > 3:
		c.println("Error: too many arguments")
		c.status = lsbGeneric
		c.help("tail")
		return nil
	}
	modifier := ""
	if strings.HasPrefix(args[0], "-") {
		modifier, args = args[0], args[1:]
	}
	if len(args) == 0 {
		c.println("Error: tail requires process name")
		c.status = lsbGeneric
		return nil
	}
	name, channel := args[0], "stdout"
	if len(args) > 1 {
		channel = strings.ToLower(args[len(args)-1])
		if channel != "stdout" && channel != "stderr" {
			c.println("Error: bad channel '" + channel + "'")
			c.status = lsbGeneric
			return nil
		}
	}
	bytes := tailBytes
	switch what := strings.TrimPrefix(modifier, "-"); {
	case modifier == "":
	case what == "f":
		return c.follow(ctx, "/logtail/"+name+"/"+channel)
	default:
		n, err := strconv.Atoi(what)
		if err != nil {
			c.println("Error: bad argument " + modifier)
			c.status = lsbGeneric
			return nil
		}
		bytes = n
	}
	method := "readProcessStdoutLog"
	if channel == "stderr" {
		method = "readProcessStderrLog"
	}
	var text string
	err := c.call(ctx, method, &text, name, -bytes, 0)
	switch faultCode(err) {
	case 0:
		if err != nil {
			return err
		}
		c.println(text)
		return nil
	case xmlrpc.FaultNoFile:
		c.println(name + ": ERROR (no log file)")
	case xmlrpc.FaultFailed:
		c.println(name + ": ERROR (unknown error reading log)")
	case xmlrpc.FaultBadName:
		c.println(name + ": ERROR (no such process name)")
	default:
		return err
	}
	c.status = lsbGeneric
	return nil
}

func doMaintail(c *ctl, ctx context.Context, args []string) error {
	if ok, err := c.upcheck(ctx); !ok {
		return err
	}
	bytes := tailBytes
	switch {
	case len(args) > 1:
		c.println("Error: too many arguments")
		c.status = lsbGeneric
		c.help("maintail")
		return nil
	case len(args) == 1:
		what, ok := strings.CutPrefix(args[0], "-")
		if ok && what == "f" {
			return c.follow(ctx, "/mainlogtail")
		}
		n, err := strconv.Atoi(what)
		if !ok || err != nil {
			c.println("Error: bad argument " + args[0])
			c.status = lsbGeneric
			return nil
		}
		bytes = n
	}
	var text string
	err := c.call(ctx, "readLog", &text, -bytes, 0)
	switch faultCode(err) {
	case 0:
		if err != nil {
			return err
		}
		c.println(text)
		return nil
	case xmlrpc.FaultNoFile:
		c.println("supervisord: ERROR (no log file)")
	case xmlrpc.FaultFailed:
		c.println("supervisord: ERROR (unknown error reading log)")
	default:
		return err
	}
	c.status = lsbGeneric
	return nil
}

// follow prints what the server sends at path (a log's end, then its
// lines as they come) until Ctrl-C cancels ctx or the server ends the
// stream, as supervisorctl's tail -f does. Failures go to errOut, as
// supervisorctl's HTTP listener writes them, and leave the exit status.
func (c *ctl) follow(ctx context.Context, path string) error {
	c.println("==> Press Ctrl-C to exit <==")
	url := c.opts.serverURL + path
	resp, err := c.client.Get(ctx, path)
	if err == nil {
		// The copy ends when ctx is canceled, or when the server goes.
		io.Copy(c.out, resp.Body)
		resp.Body.Close()
	}
	var pe *xmlrpc.ProtocolError
	switch {
	case ctx.Err() != nil:
		c.println("") // after the ^C the terminal echoed
	case errors.As(err, &pe):
		fmt.Fprintf(c.errOut, "%s Cannot read, status code %d\n", url, pe.StatusCode)
	case err != nil:
		fmt.Fprintf(c.errOut, "%s Cannot connect, error: %v\n", url, err)
	}
	return nil
}
