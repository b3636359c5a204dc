package lifecycle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/dmicro-go/dmicro/internal/lineedit"
)

// shell is one run of `app ctl`: a client of the running app's control
// socket that runs one command, or reads commands until exit or the end of
// its input. It is used from one goroutine, but for the log lines the
// connection's push handlers hand to follow.
type shell struct {
	app    *App
	cfg    appConfig
	in     io.Reader
	out    io.Writer
	errOut io.Writer
	cmds   []shellCommand

	// ed reads the command lines of the shell; nil when ctl runs one
	// command.
	ed *lineedit.Editor
	// history is the history file of the interactive shell, or "".
	history string

	conn   *client       // the connection to the app, or nil: see shell_conn.go
	moves  chan struct{} // receives when the connection moves to a new process
	follow logFollow     // the log lines of a log command

	// names caches the sandboxes' and services' names for completion until
	// the next command runs.
	names []string
}

// ctlCommand runs ctl: with args, that one command, returning its exit
// code; without, the shell, which returns the exit code of the last
// command it ran. On a terminal the shell shows the running app's build,
// prompts with the app's name and edits lines with history and completion;
// otherwise it reads a command a line, without prompt, until the end of
// its input or exit.
func (a *App) ctlCommand(ctx context.Context, cfg appConfig, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	sh := &shell{
		app: a, cfg: cfg, in: stdin, out: stdout, errOut: stderr,
		cmds:  shellCommands(),
		moves: make(chan struct{}, 1),
	}
	defer sh.disconnect()
	if len(args) > 0 {
		code, _ := sh.exec(ctx, args)
		return code
	}
	term := sh.terminal()
	if term != nil {
		if home := os.Getenv("HOME"); home != "" {
			sh.history = filepath.Join(home, "."+a.Name+"_history")
		}
	}
	sh.ed = lineedit.New(stdin, stdout, term, &lineedit.Options{Complete: sh.complete})
	return sh.loop(ctx)
}

// fdFile is a file with a descriptor: *os.File.
type fdFile interface{ Fd() uintptr }

// terminal returns the terminal the shell edits on: its input's, when both
// its input and its output are terminals, as readline does; nil otherwise.
func (sh *shell) terminal() lineedit.Terminal {
	in, ok1 := sh.in.(fdFile)
	out, ok2 := sh.out.(fdFile)
	if !ok1 || !ok2 || !lineedit.IsTerminal(out.Fd()) {
		return nil
	}
	tty, err := lineedit.NewTTY(in.Fd())
	if err != nil {
		return nil
	}
	return tty
}

// prompt is the prompt of the interactive shell, DServer's: "NAME » ".
func (sh *shell) prompt() string { return sh.app.Name + " » " }

// loop reads and runs commands until exit, quit or the end of the input,
// and returns the exit code of the last command. On a terminal it first
// shows the banner, and fails with [ExitNotRunning] when no app answers.
func (sh *shell) loop(ctx context.Context) int {
	prompt, last := "", ExitOK
	if sh.ed.IsTerminal() {
		stop := sh.ed.GuardSignals()
		defer stop()
		// The terminal is not raw while a command runs, nor for a moment
		// between commands: Ctrl-C there must not end the shell. Each
		// command's context takes SIGINT besides (commandContext).
		sigint := make(chan os.Signal, 1)
		signal.Notify(sigint, os.Interrupt)
		defer signal.Stop(sigint)
		if code := sh.banner(ctx); code != ExitOK {
			return code
		}
		sh.loadHistory()
		prompt = sh.prompt()
	}
	for {
		line, err := sh.ed.ReadLine(prompt)
		if errors.Is(err, lineedit.ErrInterrupted) {
			continue // Ctrl-C drops the line
		}
		if err != nil {
			if sh.ed.IsTerminal() {
				fmt.Fprintln(sh.out) // after Ctrl-D, leave the prompt's line
			}
			return last
		}
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if sh.ed.IsTerminal() {
			sh.ed.AddHistory(line)
			sh.saveHistory()
		}
		code, quit := sh.exec(ctx, fields)
		if quit {
			return last
		}
		last = code
	}
}

// exec runs the command of args[0] with the rest as its arguments and
// returns its exit code, and whether it asks to leave the shell.
func (sh *shell) exec(ctx context.Context, args []string) (code int, quit bool) {
	sh.names = nil
	cmd := sh.lookup(args[0])
	if cmd == nil {
		sh.errorf("unknown command %q (help lists the commands)", args[0])
		return ExitUsage, false
	}
	if cmd.run == nil { // exit, quit
		return ExitOK, true
	}
	ctx, release := sh.commandContext(ctx)
	defer release()
	return cmd.run(sh, ctx, args[1:]), false
}

// commandContext returns the context a command runs in: SIGINT (Ctrl-C
// on the terminal, which is not raw while a command runs) cancels it.
// Without a terminal it is not caught between commands, so that it ends a
// shell reading a pipe as it ends other programs.
func (sh *shell) commandContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt)
}

// errorf prints an error of the shell on its error output.
func (sh *shell) errorf(format string, args ...any) {
	fmt.Fprintf(sh.errOut, "%s: %s\n", sh.app.Name, fmt.Sprintf(format, args...))
}

// loadHistory reads the history file, if there is one.
func (sh *shell) loadHistory() {
	if sh.history == "" {
		return
	}
	if data, err := os.ReadFile(sh.history); err == nil {
		sh.ed.LoadHistory(bytes.NewReader(data))
	}
}

// saveHistory writes the history file, if there is one, after each line,
// so that a shell ended by SIGHUP (its window closed) keeps it too. As
// readline's, a failure (a home that is not writable) is silent.
func (sh *shell) saveHistory() {
	if sh.history == "" {
		return
	}
	var buf bytes.Buffer
	sh.ed.SaveHistory(&buf)
	os.WriteFile(sh.history, buf.Bytes(), 0o600)
}

// complete completes the word at the cursor for the editor: a command
// first, then its argument: a command for help, a sandbox's or service's
// name for start and stop, on or off for debug, a level for log -l.
func (sh *shell) complete(line string, pos int) (int, []string) {
	before := line[:pos]
	start := strings.LastIndexAny(before, " \t") + 1
	word := before[start:]
	var words []string
	fields := strings.Fields(before[:start])
	if len(fields) == 0 {
		for _, c := range sh.cmds {
			words = append(words, c.name)
		}
	} else if cmd := sh.lookup(fields[0]); cmd != nil && cmd.complete != nil {
		words = cmd.complete(sh, fields[1:], word)
	}
	var out []string
	for _, w := range words {
		if strings.HasPrefix(w, word) {
			out = append(out, w+" ")
		}
	}
	return start, out
}
