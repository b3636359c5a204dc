package lifecycle

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// shellCommand is a command of ctl: its names, its help and how it runs.
type shellCommand struct {
	name    string
	aliases []string
	usage   string // the synopsis, as help lists it: "start NAME"
	short   string // what it does, in a few words
	long    string // what help COMMAND adds
	// run runs the command and returns its exit code; nil for exit, which
	// the shell handles.
	run func(sh *shell, ctx context.Context, args []string) int
	// complete returns the words that may follow args; nil means none.
	complete func(sh *shell, args []string, word string) []string
}

// shellCommands returns the commands of ctl, by name.
func shellCommands() []shellCommand {
	return []shellCommand{
		{name: "clear", usage: "clear", short: "clear the screen", run: cmdClear},
		{name: "debug", usage: "debug [on|off]", short: "switch debug logging, or say whether it is on",
			long: "debug on and debug off set the app's log level to debug or info (true/false, 1/0,\n" +
				"open/close work too); debug alone says which it is. The switch lasts until the app\n" +
				"stops or reloads.",
			run: cmdDebug, complete: completeDebug},
		{name: "exit", aliases: []string{"quit"}, usage: "exit", short: "leave the shell (Ctrl-D too)"},
		{name: "help", usage: "help [COMMAND]", short: "list the commands, or say what one does",
			run: cmdHelp, complete: completeHelp},
		{name: "log", usage: "log [-l LEVEL]", short: "follow the app's log (Ctrl-C ends it)",
			long: "log prints the app's log lines as the app writes them, at LEVEL and above: debug\n" +
				"(the default: every line), info, warn or error. Ctrl-C (SIGINT, SIGTERM) ends it,\n" +
				"and the shell goes on; run as `ctl log`, it reads no input, so it can run in the\n" +
				"background. It ends when the app's process goes away (a reload or a stop), and\n" +
				"says how many lines were dropped\n" +
				"because they came faster than the shell took them.",
			run: cmdLog, complete: completeLog},
		{name: "reload", usage: "reload", short: "hot-restart the app; it keeps serving if that fails",
			long: "reload starts a new process of the app's binary with the app's sockets, waits\n" +
				"until it is ready and lets the old one drain. If the new process fails, the old one\n" +
				"keeps serving and reload says why. The shell then talks to the new process.",
			run: cmdReload},
		{name: "start", usage: "start NAME", short: "start a sandbox, or the sandboxes of a service",
			run: cmdStart, complete: completeNames},
		{name: "status", aliases: []string{"info", "ps"}, usage: "status", short: "show the app's state",
			long: "status shows the app's process, its mode, configuration and log files, and the\n" +
				"state of each sandbox, as `app status` does.",
			run: cmdStatus},
		{name: "stop", usage: "stop NAME", short: "stop a sandbox, or the sandboxes of a service",
			long: "stop shuts a sandbox down gracefully, within the app's shutdown timeout; the app\n" +
				"goes on running. start starts it again.",
			run: cmdStop, complete: completeNames},
		{name: "version", aliases: []string{"v"}, usage: "version", short: "show the running app's build",
			run: cmdVersion},
	}
}

// lookup returns the command of a name or alias, or nil.
func (sh *shell) lookup(name string) *shellCommand {
	i := slices.IndexFunc(sh.cmds, func(c shellCommand) bool {
		return c.name == name || slices.Contains(c.aliases, name)
	})
	if i < 0 {
		return nil
	}
	return &sh.cmds[i]
}

// noArgs reports a command given arguments it does not take.
func (sh *shell) noArgs(name string, args []string) bool {
	if len(args) == 0 {
		return true
	}
	sh.errorf("%s takes no arguments", name)
	return false
}

func cmdHelp(sh *shell, _ context.Context, args []string) int {
	switch len(args) {
	case 0:
		fmt.Fprintln(sh.out, "Commands:")
		tw := tabwriter.NewWriter(sh.out, 0, 8, 2, ' ', 0)
		for _, c := range sh.cmds {
			names := strings.Join(append([]string{c.usage}, c.aliases...), ", ")
			fmt.Fprintf(tw, "  %s\t%s\n", names, c.short)
		}
		tw.Flush()
		fmt.Fprintln(sh.out, "\nhelp COMMAND says more of one.")
		return ExitOK
	case 1:
		c := sh.lookup(args[0])
		if c == nil {
			sh.errorf("help: unknown command %q", args[0])
			return ExitUsage
		}
		fmt.Fprintf(sh.out, "Usage: %s\n", c.usage)
		if len(c.aliases) > 0 {
			fmt.Fprintf(sh.out, "Also: %s\n", strings.Join(c.aliases, ", "))
		}
		fmt.Fprintf(sh.out, "\n%s.\n", strings.ToUpper(c.short[:1])+c.short[1:])
		if c.long != "" {
			fmt.Fprintf(sh.out, "\n%s\n", c.long)
		}
		return ExitOK
	}
	sh.errorf("help takes one command at most")
	return ExitUsage
}

func completeHelp(sh *shell, args []string, _ string) []string {
	if len(args) > 0 {
		return nil
	}
	var out []string
	for _, c := range sh.cmds {
		out = append(out, c.name)
	}
	return out
}

func cmdStatus(sh *shell, ctx context.Context, args []string) int {
	if !sh.noArgs("status", args) {
		return ExitUsage
	}
	info, err := sh.info(ctx)
	if err != nil {
		return sh.fail(ctx, "status", err)
	}
	writeStatus(sh.out, info)
	return ExitOK
}

func cmdVersion(sh *shell, ctx context.Context, args []string) int {
	if !sh.noArgs("version", args) {
		return ExitUsage
	}
	info, err := sh.info(ctx)
	if err != nil {
		return sh.fail(ctx, "version", err)
	}
	fmt.Fprintln(sh.out, info.Build.Name)
	writeBuild(sh.out, info.Build)
	return ExitOK
}

// banner shows the running app's build and state when the interactive
// shell starts, as DServer's does.
func (sh *shell) banner(ctx context.Context) int {
	info, err := sh.info(ctx)
	if err != nil {
		return sh.fail(ctx, "ctl", err)
	}
	fmt.Fprintf(sh.out, "%s: pid %d, up %s, mode %s\n", info.Build.Name, info.Pid, uptime(time.Since(info.Started)), info.Mode)
	writeBuild(sh.out, info.Build)
	fmt.Fprintln(sh.out, "Type help for the commands; exit or Ctrl-D leaves.")
	return ExitOK
}

// writeBuild prints a build as the version command does.
func writeBuild(w io.Writer, bi BuildInfo) {
	orNone := func(s string) string {
		if s == "" {
			return "(unknown)"
		}
		return s
	}
	fmt.Fprintf(w, "Version:      %s\n", orNone(bi.Version))
	fmt.Fprintf(w, "Go version:   %s\n", bi.GoVersion)
	fmt.Fprintf(w, "Git commit:   %s\n", orNone(bi.Commit))
	fmt.Fprintf(w, "Build time:   %s\n", orNone(bi.BuildTime))
	if bi.Authors != "" {
		fmt.Fprintf(w, "Authors:      %s\n", bi.Authors)
	}
	fmt.Fprintf(w, "Install path: %s\n", bi.Path)
}

func cmdReload(sh *shell, ctx context.Context, args []string) int {
	if !sh.noArgs("reload", args) {
		return ExitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, sh.cfg.reloadTimeout+10*time.Second)
	defer cancel()
	before, err := sh.info(ctx)
	if err != nil {
		return sh.fail(ctx, "reload", err)
	}
	var reply ReloadReply
	if err := sh.call(ctx, ctlReload, struct{}{}, &reply, false); err != nil {
		code := sh.fail(ctx, "reload failed; pid "+fmt.Sprint(before.Pid)+" keeps serving", err)
		if code == ExitUsage {
			code = ExitFailed
		}
		return code
	}
	fmt.Fprintf(sh.out, "%s reloaded: pid %d → %d\n", sh.app.Name, before.Pid, reply.Pid)
	if err := sh.reconnect(ctx, reply.Pid); err != nil {
		sh.errorf("reload: %v", err)
	}
	return ExitOK
}

func cmdStart(sh *shell, ctx context.Context, args []string) int {
	return sh.startStop(ctx, "start", ctlStart, args)
}

func cmdStop(sh *shell, ctx context.Context, args []string) int {
	return sh.startStop(ctx, "stop", ctlStop, args)
}

// startStop starts or stops the sandbox or service args names, and shows
// the state of its sandboxes.
func (sh *shell) startStop(ctx context.Context, cmd, method string, args []string) int {
	if len(args) != 1 {
		sh.errorf("%s takes the name of a sandbox or a service; usage: %s NAME", cmd, cmd)
		return ExitUsage
	}
	name := args[0]
	var info Info
	if err := sh.call(ctx, method, NameArg{Name: name}, &info, true); err != nil {
		return sh.fail(ctx, cmd+" "+name, err)
	}
	tw := tabwriter.NewWriter(sh.out, 0, 8, 2, ' ', 0)
	for _, s := range info.Sandboxes {
		if s.Name != name && s.Service != name {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s", s.Name, s.State)
		if s.Error != "" {
			fmt.Fprintf(tw, "\t%s", s.Error)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	return ExitOK
}

// completeNames completes the name of a sandbox or a service, asked of
// the app once per command line.
func completeNames(sh *shell, args []string, _ string) []string {
	if len(args) > 0 {
		return nil
	}
	if sh.names == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		info, err := sh.info(ctx)
		if err != nil {
			return nil
		}
		sh.names = []string{}
		for _, s := range info.Sandboxes {
			for _, n := range []string{s.Name, s.Service} {
				if !slices.Contains(sh.names, n) {
					sh.names = append(sh.names, n)
				}
			}
		}
	}
	return sh.names
}

func cmdDebug(sh *shell, ctx context.Context, args []string) int {
	if len(args) > 1 {
		sh.errorf("debug takes on or off")
		return ExitUsage
	}
	if len(args) == 0 {
		info, err := sh.info(ctx)
		if err != nil {
			return sh.fail(ctx, "debug", err)
		}
		fmt.Fprintf(sh.out, "debug logging is %s\n", onOff(info.Debug))
		return ExitOK
	}
	var on bool
	switch strings.ToLower(args[0]) {
	case "on", "true", "1", "open", "yes":
		on = true
	case "off", "false", "0", "close", "no":
	default:
		sh.errorf("debug: %q is neither on nor off", args[0])
		return ExitUsage
	}
	var reply DebugArg
	if err := sh.call(ctx, ctlDebug, DebugArg{On: on}, &reply, true); err != nil {
		return sh.fail(ctx, "debug", err)
	}
	fmt.Fprintf(sh.out, "debug logging is %s\n", onOff(reply.On))
	return ExitOK
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

func completeDebug(_ *shell, args []string, _ string) []string {
	if len(args) > 0 {
		return nil
	}
	return []string{"on", "off"}
}

func cmdClear(sh *shell, _ context.Context, args []string) int {
	if !sh.noArgs("clear", args) {
		return ExitUsage
	}
	io.WriteString(sh.out, "\x1b[H\x1b[2J")
	return ExitOK
}
