package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/dmicro-go/dmicro/internal/lineedit"
)

// fdFile is a file with a descriptor: *os.File.
type fdFile interface{ Fd() uintptr }

// terminal returns the terminal procman ctl edits on: its input's, when
// both its input and its output are terminals, as for readline; nil
// otherwise.
func (c *ctl) terminal() lineedit.Terminal {
	in, ok1 := c.in.(fdFile)
	out, ok2 := c.out.(fdFile)
	if !ok1 || !ok2 || !lineedit.IsTerminal(out.Fd()) {
		return nil
	}
	tty, err := lineedit.NewTTY(in.Fd())
	if err != nil {
		return nil
	}
	return tty
}

// shell runs the interactive shell on c.ed: the status, then a command a
// line until exit, quit or the end of input (Ctrl-D).
func (c *ctl) shell() {
	if c.ed.IsTerminal() {
		stop := c.ed.GuardSignals()
		defer stop()
		c.loadHistory()
		defer c.saveHistory()
	}
	if c.onecmd("status") {
		return
	}
	for {
		line, err := c.ed.ReadLine(c.opts.prompt + "> ")
		if errors.Is(err, lineedit.ErrInterrupted) {
			continue // Ctrl-C drops the line
		}
		if err != nil {
			c.println("") // Ctrl-D, or the end of the input
			return
		}
		if c.ed.IsTerminal() {
			c.ed.AddHistory(line)
		}
		if c.onecmd(line) {
			return
		}
	}
}

// loadHistory reads the history file, if there is one.
func (c *ctl) loadHistory() {
	if c.opts.historyFile == "" {
		return
	}
	if data, err := os.ReadFile(c.opts.historyFile); err == nil {
		c.ed.LoadHistory(bytes.NewReader(data))
	}
}

// saveHistory writes the history file, if there is one; as readline's, a
// failure is silent.
func (c *ctl) saveHistory() {
	if c.opts.historyFile == "" {
		return
	}
	var buf bytes.Buffer
	c.ed.SaveHistory(&buf)
	os.WriteFile(c.opts.historyFile, buf.Bytes(), 0o600)
}

// complete completes the word at the cursor for the editor: a command
// name first, then, by command, a command's, group's or process's name,
// as supervisorctl does. Process names are fetched once per command line.
func (c *ctl) complete(line string, pos int) (int, []string) {
	before := line[:pos]
	start := strings.LastIndexAny(before, " \t") + 1
	word := before[start:]
	var words []string
	if first := strings.Fields(before[:start]); len(first) == 0 {
		words = c.commandNames()
	} else {
		switch first[0] {
		case "help":
			words = c.commandNames()
		case "add", "remove", "update":
			words = c.groupNames()
		case "pid", "restart", "signal", "start", "status", "stop", "tail":
			words = c.processNames(strings.Contains(word, ":"))
		}
	}
	var out []string
	for _, w := range words {
		if strings.HasPrefix(w, word) {
			out = append(out, w+" ")
		}
	}
	return start, out
}

func (c *ctl) commandNames() []string {
	names := make([]string, len(c.cmds))
	for i, cmd := range c.cmds {
		names[i] = cmd.name
	}
	return names
}

// completionInfo returns the processes, fetched once until the next
// command runs.
func (c *ctl) completionInfo() []procInfo {
	if c.completion == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		infos, err := c.allInfo(ctx)
		if err != nil {
			return nil
		}
		c.completion = infos
	}
	return c.completion
}

func (c *ctl) groupNames() []string {
	var out []string
	for _, i := range c.completionInfo() {
		if !slices.Contains(out, i.Group) {
			out = append(out, i.Group)
		}
	}
	return out
}

// processNames returns the namespecs of the processes: "group:name" and
// "group:*" for a process of a group of several, or when the word has a
// colon; "name" for the others.
func (c *ctl) processNames(colon bool) []string {
	var out []string
	for _, i := range c.completionInfo() {
		if !colon && i.Name == i.Group {
			out = append(out, i.Name)
			continue
		}
		out = append(out, i.Group+":"+i.Name)
		if g := i.Group + ":*"; !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}
