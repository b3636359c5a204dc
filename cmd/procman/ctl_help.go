package main

import (
	"context"
	"slices"
	"strings"
)

// command is a command of procman ctl: how it runs, and its help, lines
// of "usage<TAB>what it does".
type command struct {
	name string
	run  func(c *ctl, ctx context.Context, args []string) error
	help string
}

// commandTable returns the commands, by name. quit and exit are handled
// by onecmd and have no run.
func commandTable() []command {
	return []command{
		{"add", doAdd, "add <group> [...]\t\tadd the groups of the configuration as last read"},
		{"avail", doAvail, "avail\t\t\tlist the processes of the configuration, in use or not"},
		{"exit", nil, "exit\tleave the shell"},
		{"help", doHelp, "help\t\tlist the commands\nhelp <command>\tsay what a command does"},
		{"maintail", doMaintail, "maintail -f \tfollow the server's own log (Ctrl-C ends it)\n" +
			"maintail -100\tprint the last 100 bytes of the server's log\n" +
			"maintail\tprint the last 1600 bytes of the server's log"},
		{"open", doOpen, "open <url>\tuse another server: http://host:port or unix:///path/to/socket"},
		{"pid", doPid, "pid\t\t\tprint the server's process id\n" +
			"pid <name>\t\tprint the process id of a process (0 when it is not running)\n" +
			"pid all\t\t\tprint the process id of every process, a line each"},
		{"quit", nil, "quit\tleave the shell"},
		{"reload", doReload, "reload \t\tstop every process, read the configuration again and start them"},
		{"remove", doRemove, "remove <group> [...]\tremove groups none of whose processes runs"},
		{"reread", doReread, "reread \t\t\tread the configuration again and say what changed, applying nothing"},
		{"restart", doRestart, "restart <name>\t\tstop, then start a process\n" +
			"restart <group>:*\tthe same for every process of a group\n" +
			"restart <name> <name>\tthe same for several processes or groups\n" +
			"restart all\t\tthe same for every process\n" +
			"restart does not read the configuration again: see reread and update."},
		{"shutdown", doShutdown, "shutdown \tstop every process and the server"},
		{"signal", doSignal, "signal <signal> <name>\t\tsend a signal (HUP, 1, SIGUSR2...) to a process\n" +
			"signal <signal> <group>:*\tthe same for every process of a group\n" +
			"signal <signal> <name> <name>\tthe same for several processes or groups\n" +
			"signal <signal> all\t\tthe same for every process"},
		{"start", doStart, "start <name>\t\tstart a process\n" +
			"start <group>:*\t\tstart every process of a group\n" +
			"start <name> <name>\tstart several processes or groups\n" +
			"start all\t\tstart every process"},
		{"status", doStatus, "status <name>\t\tshow the state of a process\n" +
			"status <group>:*\tshow the state of every process of a group\n" +
			"status <name> <name>\tshow the state of several processes\n" +
			"status\t\t\tshow the state of every process"},
		{"stop", doStop, "stop <name>\t\tstop a process\n" +
			"stop <group>:*\t\tstop every process of a group\n" +
			"stop <name> <name>\tstop several processes or groups\n" +
			"stop all\t\tstop every process"},
		{"tail", doTail, "tail [-f] <name> [stdout|stderr] (stdout when not given)\n" +
			"Ex:\n" +
			"tail -f <name>\t\tfollow the stdout log of a process\n" +
			"\t\t\tuntil Ctrl-C\n" +
			"tail -100 <name>\tprint the last 100 bytes of its stdout log\n" +
			"tail <name> stderr\tprint the last 1600 bytes of its stderr log"},
		{"update", doUpdate, "update\t\t\tread the configuration again, add and remove groups, and restart the changed ones\n" +
			"update all\t\tthe same\n" +
			"update <group> [...]\tthe same for these groups only"},
		{"version", doVersion, "version\t\t\tprint the server's version"},
	}
}

// lookup returns the command of a name, or nil.
func (c *ctl) lookup(name string) *command {
	i := slices.IndexFunc(c.cmds, func(cmd command) bool { return cmd.name == name })
	if i < 0 {
		return nil
	}
	return &c.cmds[i]
}

// help prints the help of a command.
func (c *ctl) help(name string) {
	if cmd := c.lookup(name); cmd != nil {
		c.println(cmd.help)
	}
}

func doHelp(c *ctl, _ context.Context, args []string) error {
	if len(args) > 0 {
		if c.lookup(args[0]) == nil {
			c.println("*** No help on " + args[0])
			return nil
		}
		c.help(args[0])
		return nil
	}
	names := make([]string, len(c.cmds))
	for i, cmd := range c.cmds {
		names[i] = cmd.name
	}
	header := "commands (type help <topic>):"
	c.println("")
	c.println(header)
	c.println(strings.Repeat("=", len(header)))
	for _, row := range columns(names, 79) {
		c.println(row)
	}
	c.println("")
	return nil
}

// columns lays words out in the fewest rows that fit width, filling
// columns top to bottom, two spaces between them; each word but the last
// of a row is padded to its column's width.
func columns(words []string, width int) []string {
	if len(words) == 0 {
		return nil
	}
	for nrows := 1; nrows <= len(words); nrows++ {
		ncols := (len(words) + nrows - 1) / nrows
		widths := make([]int, ncols)
		total := -2
		for col := range ncols {
			for _, w := range words[col*nrows : min((col+1)*nrows, len(words))] {
				widths[col] = max(widths[col], len(w))
			}
			total += widths[col] + 2
		}
		if total > width && nrows < len(words) {
			continue
		}
		rows := make([]string, nrows)
		for r := range nrows {
			var cells []string
			for col := range ncols {
				if i := col*nrows + r; i < len(words) {
					cells = append(cells, words[i])
				}
			}
			for k := range len(cells) - 1 {
				cells[k] += strings.Repeat(" ", widths[k]-len(cells[k]))
			}
			rows[r] = strings.Join(cells, "  ")
		}
		return rows
	}
	return nil
}
