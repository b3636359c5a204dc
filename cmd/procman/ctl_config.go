package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// noArgs says that a command takes no arguments, as supervisorctl does,
// and reports whether args has some.
func (c *ctl) noArgs(name string, args []string) bool {
	if len(args) == 0 {
		return false
	}
	c.println("Error: " + name + " accepts no arguments")
	c.status = lsbGeneric
	c.help(name)
	return true
}

// reloadConfig asks the server to read its configuration again, and
// returns the groups added, changed and removed.
func (c *ctl) reloadConfig(ctx context.Context) (added, changed, removed []string, err error) {
	var res [][][]string
	if err := c.call(ctx, "reloadConfig", &res); err != nil {
		return nil, nil, nil, err
	}
	if len(res) != 1 || len(res[0]) != 3 {
		return nil, nil, nil, fmt.Errorf("procman: reloadConfig answered %v, not [[added, changed, removed]]", res)
	}
	return res[0][0], res[0][1], res[0][2], nil
}

func doReread(c *ctl, ctx context.Context, args []string) error {
	if c.noArgs("reread", args) {
		return nil
	}
	added, changed, removed, err := c.reloadConfig(ctx)
	switch faultCode(err) {
	case 0:
		if err != nil {
			return err
		}
	case xmlrpc.FaultShutdownState:
		c.println("ERROR: supervisor shutting down")
		c.status = lsbGeneric
		return nil
	case xmlrpc.FaultCantReread:
		c.println("ERROR: " + xmlrpc.FaultOf(err).String)
		c.status = lsbGeneric
		return nil
	default:
		return err
	}
	changes := map[string]string{}
	for _, g := range added {
		changes[g] = "available"
	}
	for _, g := range changed {
		changes[g] = "changed"
	}
	for _, g := range removed {
		changes[g] = "disappeared"
	}
	if len(changes) == 0 {
		c.println("No config updates to processes")
		return nil
	}
	names := make([]string, 0, len(changes))
	for g := range changes {
		names = append(names, g)
	}
	slices.Sort(names)
	for _, g := range names {
		c.println(g + ": " + changes[g])
	}
	return nil
}

func doUpdate(c *ctl, ctx context.Context, args []string) error {
	added, changed, removed, err := c.reloadConfig(ctx)
	if faultCode(err) == xmlrpc.FaultShutdownState {
		c.println("ERROR: already shutting down")
		c.status = lsbGeneric
		return nil
	}
	if err != nil {
		c.status = lsbGeneric
		return err
	}
	wanted := map[string]bool{}
	if !slices.Contains(args, "all") {
		for _, g := range args {
			wanted[g] = true
		}
	}
	if len(wanted) > 0 {
		infos, err := c.allInfo(ctx)
		if err != nil {
			return err
		}
		known := map[string]bool{}
		for _, i := range infos {
			known[i.Group] = true
		}
		for _, g := range added {
			known[g] = true
		}
		for _, g := range args {
			if !known[g] {
				c.println("ERROR: no such group: " + g)
				c.status = lsbGeneric
			}
		}
	}
	skip := func(g string) bool { return len(wanted) > 0 && !wanted[g] }
	for _, g := range removed {
		if skip(g) {
			continue
		}
		var results []result
		if err := c.call(ctx, "stopProcessGroup", &results, g); err != nil {
			return err
		}
		c.println(g + ": stopped")
		if slices.ContainsFunc(results, func(r result) bool { return r.Status == xmlrpc.FaultFailed }) {
			c.println(g + ": has problems; not removing")
			c.status = lsbGeneric
			continue
		}
		if err := c.call(ctx, "removeProcessGroup", nil, g); err != nil {
			return err
		}
		c.println(g + ": removed process group")
	}
	for _, g := range changed {
		if skip(g) {
			continue
		}
		if err := c.call(ctx, "stopProcessGroup", nil, g); err != nil {
			return err
		}
		c.println(g + ": stopped")
		if err := c.call(ctx, "removeProcessGroup", nil, g); err != nil {
			return err
		}
		if err := c.call(ctx, "addProcessGroup", nil, g); err != nil {
			return err
		}
		c.println(g + ": updated process group")
	}
	for _, g := range added {
		if skip(g) {
			continue
		}
		if err := c.call(ctx, "addProcessGroup", nil, g); err != nil {
			return err
		}
		c.println(g + ": added process group")
	}
	return nil
}

// configInfo is the part of getAllConfigInfo's struct avail prints.
type configInfo struct {
	Name        string `xmlrpc:"name"`
	Group       string `xmlrpc:"group"`
	InUse       bool   `xmlrpc:"inuse"`
	AutoStart   bool   `xmlrpc:"autostart"`
	GroupPrio   int    `xmlrpc:"group_prio"`
	ProcessPrio int    `xmlrpc:"process_prio"`
}

func doAvail(c *ctl, ctx context.Context, args []string) error {
	if c.noArgs("avail", args) {
		return nil
	}
	var infos []configInfo
	err := c.call(ctx, "getAllConfigInfo", &infos)
	if faultCode(err) == xmlrpc.FaultShutdownState {
		c.println("ERROR: supervisor shutting down")
		c.status = lsbGeneric
		return nil
	}
	if err != nil {
		c.status = lsbGeneric
		return err
	}
	for _, i := range infos {
		inuse, auto := "avail", "manual"
		if i.InUse {
			inuse = "in use"
		}
		if i.AutoStart {
			auto = "auto"
		}
		c.println(fmt.Sprintf("%-32s %-9s %-9s %d:%d", makeNamespec(i.Group, i.Name), inuse, auto, i.GroupPrio, i.ProcessPrio))
	}
	return nil
}

func doAdd(c *ctl, ctx context.Context, args []string) error {
	for _, g := range args {
		err := c.call(ctx, "addProcessGroup", nil, g)
		switch faultCode(err) {
		case 0:
			if err != nil {
				return err
			}
			c.println(g + ": added process group")
		case xmlrpc.FaultShutdownState:
			c.println("ERROR: shutting down")
			c.status = lsbGeneric
		case xmlrpc.FaultAlreadyAdded:
			c.println("ERROR: process group already active")
		case xmlrpc.FaultBadName:
			c.println("ERROR: no such process/group: " + g)
			c.status = lsbGeneric
		default:
			c.status = lsbGeneric
			return err
		}
	}
	return nil
}

func doRemove(c *ctl, ctx context.Context, args []string) error {
	for _, g := range args {
		err := c.call(ctx, "removeProcessGroup", nil, g)
		if err == nil {
			c.println(g + ": removed process group")
			continue
		}
		c.status = lsbGeneric
		switch faultCode(err) {
		case xmlrpc.FaultStillRunning:
			c.println("ERROR: process/group still running: " + g)
		case xmlrpc.FaultBadName:
			c.println("ERROR: no such process/group: " + g)
		default:
			return err
		}
	}
	return nil
}
