package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// procInfo is the part of getProcessInfo's struct procman ctl uses.
type procInfo struct {
	Name        string `xmlrpc:"name"`
	Group       string `xmlrpc:"group"`
	State       int    `xmlrpc:"state"`
	StateName   string `xmlrpc:"statename"`
	Description string `xmlrpc:"description"`
	Pid         int    `xmlrpc:"pid"`
}

// stopped reports whether the state is one of supervisord's
// STOPPED_STATES: STOPPED, EXITED, FATAL and UNKNOWN.
func (p procInfo) stopped() bool {
	return p.State == 0 || p.State == 100 || p.State == 200 || p.State == 1000
}

// result is one process's outcome in the answer of a group call.
type result struct {
	Name        string `xmlrpc:"name"`
	Group       string `xmlrpc:"group"`
	Status      int    `xmlrpc:"status"`
	Description string `xmlrpc:"description"`
}

// faultResult returns the result a fault of a call on one process stands
// for.
func faultResult(err error, group, name string) result {
	f := xmlrpc.FaultOf(err)
	return result{Name: name, Group: group, Status: f.Code, Description: f.String}
}

func (c *ctl) allInfo(ctx context.Context) ([]procInfo, error) {
	var infos []procInfo
	err := c.call(ctx, "getAllProcessInfo", &infos)
	return infos, err
}

func doStatus(c *ctl, ctx context.Context, args []string) error {
	ok, err := c.upcheck(ctx)
	if err != nil || !ok {
		c.status = lsbStatusUnknown
		return err
	}
	infos, err := c.allInfo(ctx)
	if err != nil {
		return err
	}
	matching := infos
	if len(args) > 0 && !slices.Contains(args, "all") {
		matching = nil
		for _, spec := range args {
			group, name, all := splitNamespec(spec)
			found := false
			for _, i := range infos {
				if i.Group == group && (all || i.Name == name) {
					matching = append(matching, i)
					found = true
				}
			}
			if found {
				continue
			}
			if all {
				c.println(group + ": ERROR (no such group)")
			} else {
				c.println(spec + ": ERROR (no such process)")
			}
			c.status = lsbStatusUnknown
		}
	}
	c.showStatuses(matching)
	for _, i := range matching {
		if i.stopped() {
			c.status = lsbStatusStopped
		}
	}
	return nil
}

// showStatuses prints a line a process: the namespec in a column 3 wider
// than the longest (at least 30), the state in 10, the description.
func (c *ctl) showStatuses(infos []procInfo) {
	width := 30
	specs := make([]string, len(infos))
	for k, i := range infos {
		specs[k] = makeNamespec(i.Group, i.Name)
		width = max(width, len([]rune(specs[k])))
	}
	for k, i := range infos {
		c.println(fmt.Sprintf("%-*s%-10s%s", width+3, specs[k], i.StateName, i.Description))
	}
}

// startResult is supervisorctl's line for the outcome of a start.
func startResult(r result) string {
	name := makeNamespec(r.Group, r.Name)
	switch r.Status {
	case xmlrpc.FaultSuccess:
		return name + ": started"
	case xmlrpc.FaultBadName:
		return name + ": ERROR (no such process)"
	case xmlrpc.FaultNoFile:
		return name + ": ERROR (no such file)"
	case xmlrpc.FaultNotExecutable:
		return name + ": ERROR (file is not executable)"
	case xmlrpc.FaultAlreadyStarted:
		return name + ": ERROR (already started)"
	case xmlrpc.FaultSpawnError:
		return name + ": ERROR (spawn error)"
	case xmlrpc.FaultAbnormalTermination:
		return name + ": ERROR (abnormal termination)"
	}
	return name + ": ERROR (" + r.Description + ")"
}

// signalResult is supervisorctl's line for the outcome of a signal or a
// stop; success is "signalled" or "stopped".
func signalResult(r result, success string) string {
	name := makeNamespec(r.Group, r.Name)
	switch r.Status {
	case xmlrpc.FaultSuccess:
		return name + ": " + success
	case xmlrpc.FaultBadName:
		return name + ": ERROR (no such process)"
	case xmlrpc.FaultBadSignal:
		return name + ": ERROR (bad signal name)"
	case xmlrpc.FaultNotRunning:
		return name + ": ERROR (not running)"
	case xmlrpc.FaultFailed:
		return r.Description
	}
	return name + ": ERROR (" + r.Description + ")"
}

// groupCall is a call on all processes, or on a group, and how its
// results print.
type groupCall struct {
	all, group string                   // the methods
	args       []any                    // the arguments before the name
	line       func(result) string      // a result's line
	ignored    int                      // the code that leaves the exit status
	badGroup   int                      // the exit status of an unknown group
	one        func(spec string) error  // the call on one process
	success    func(spec string) string // its line when it succeeds
}

// run runs the call on names: all of them when "all" is one of them, or
// each name, a group ("g:*") or a process.
func (g groupCall) run(c *ctl, ctx context.Context, names []string) error {
	var results []result
	if slices.Contains(names, "all") {
		if err := c.call(ctx, g.all, &results, g.args...); err != nil {
			return err
		}
		g.print(c, results)
		return nil
	}
	for _, spec := range names {
		group, name, all := splitNamespec(spec)
		if all {
			err := c.call(ctx, g.group, &results, append([]any{group}, g.args...)...)
			switch {
			case faultCode(err) == xmlrpc.FaultBadName:
				c.println(group + ": ERROR (no such group)")
				c.status = g.badGroup
				continue
			case err != nil:
				return err
			}
			g.print(c, results)
			continue
		}
		err := g.one(spec)
		switch {
		case err == nil:
			c.println(g.success(makeNamespec(group, name)))
		case faultCode(err) != 0:
			r := faultResult(err, group, name)
			c.println(g.line(r))
			c.setStatusFromFault(r.Status, g.ignored)
		default:
			return err
		}
	}
	return nil
}

func (g groupCall) print(c *ctl, results []result) {
	for _, r := range results {
		c.println(g.line(r))
		c.setStatusFromFault(r.Status, g.ignored)
	}
}

func doStart(c *ctl, ctx context.Context, args []string) error {
	if ok, err := c.upcheck(ctx); !ok {
		return err
	}
	if len(args) == 0 {
		c.println("Error: start requires a process name")
		c.status = lsbInvalidArgs
		c.help("start")
		return nil
	}
	return groupCall{
		all: "startAllProcesses", group: "startProcessGroup",
		line: startResult, ignored: xmlrpc.FaultAlreadyStarted, badGroup: lsbInvalidArgs,
		one:     func(spec string) error { return c.call(ctx, "startProcess", nil, spec) },
		success: func(name string) string { return name + ": started" },
	}.run(c, ctx, args)
}

func doStop(c *ctl, ctx context.Context, args []string) error {
	if ok, err := c.upcheck(ctx); !ok {
		return err
	}
	if len(args) == 0 {
		c.println("Error: stop requires a process name")
		c.status = lsbGeneric
		c.help("stop")
		return nil
	}
	return groupCall{
		all: "stopAllProcesses", group: "stopProcessGroup",
		line:    func(r result) string { return signalResult(r, "stopped") },
		ignored: xmlrpc.FaultNotRunning, badGroup: lsbGeneric,
		one:     func(spec string) error { return c.call(ctx, "stopProcess", nil, spec) },
		success: func(name string) string { return name + ": stopped" },
	}.run(c, ctx, args)
}

func doRestart(c *ctl, ctx context.Context, args []string) error {
	if ok, err := c.upcheck(ctx); !ok {
		return err
	}
	if len(args) == 0 {
		c.println("Error: restart requires a process name")
		c.status = lsbGeneric
		c.help("restart")
		return nil
	}
	if err := doStop(c, ctx, args); err != nil {
		return err
	}
	return doStart(c, ctx, args)
}

func doSignal(c *ctl, ctx context.Context, args []string) error {
	if ok, err := c.upcheck(ctx); !ok {
		return err
	}
	if len(args) < 2 {
		c.println("Error: signal requires a signal name and a process name")
		c.help("signal")
		c.status = lsbGeneric
		return nil
	}
	sig := args[0]
	return groupCall{
		all: "signalAllProcesses", group: "signalProcessGroup", args: []any{sig},
		line:     func(r result) string { return signalResult(r, "signalled") },
		badGroup: lsbGeneric,
		one:      func(spec string) error { return c.call(ctx, "signalProcess", nil, spec, sig) },
		success:  func(name string) string { return name + ": signalled" },
	}.run(c, ctx, args[1:])
}

func doPid(c *ctl, ctx context.Context, args []string) error {
	if ok, err := c.upcheck(ctx); !ok {
		return err
	}
	switch {
	case len(args) == 0:
		var pid int
		if err := c.call(ctx, "getPID", &pid); err != nil {
			return err
		}
		c.println(strconv.Itoa(pid))
	case slices.Contains(args, "all"):
		infos, err := c.allInfo(ctx)
		if err != nil {
			return err
		}
		for _, i := range infos {
			c.println(strconv.Itoa(i.Pid))
		}
	default:
		for _, spec := range args {
			var info procInfo
			err := c.call(ctx, "getProcessInfo", &info, spec)
			if faultCode(err) == xmlrpc.FaultBadName {
				c.println("No such process " + spec)
				c.status = lsbGeneric
				continue
			}
			if err != nil {
				c.status = lsbGeneric
				return err
			}
			c.println(strconv.Itoa(info.Pid))
			if info.Pid == 0 {
				c.status = lsbNotRunning
			}
		}
	}
	return nil
}
