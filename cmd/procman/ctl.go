package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/dmicro-go/dmicro/internal/lineedit"
	"github.com/dmicro-go/dmicro/procman/conf"
	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// The exit statuses of procman ctl, supervisorctl's: LSB init script
// codes for every command but status, which has the LSB status codes.
const (
	lsbGeneric       = 1 // a command failed
	lsbInvalidArgs   = 2 // start without a name, or of an unknown group
	lsbUnimplemented = 3 // the server does not know the supervisor.* methods
	lsbNoPrivileges  = 4 // the server refused the connection
	lsbNotInstalled  = 5 // the server speaks another API version
	lsbNotRunning    = 7 // no server socket; a program that died or is not running
	lsbStatusStopped = 3 // status: a process is not running
	lsbStatusUnknown = 4 // status: no such process, or no server
)

const (
	// defaultServerURL is supervisorctl's serverurl when nothing sets one.
	defaultServerURL = "http://localhost:9001"
	// defaultPrompt is supervisorctl's prompt, kept so that scripts that
	// wait for "supervisor> " work with procman ctl as they are.
	defaultPrompt = "supervisor"
	// apiVersion is the version of supervisord's API procman ctl speaks.
	apiVersion = "3.0"
)

// ctlOptions are the settings of procman ctl, from its flags and the
// configuration file.
type ctlOptions struct {
	serverURL   string
	username    string
	password    string
	prompt      string
	historyFile string
}

// ctl is one run of procman ctl: a client of the server, and what the
// commands print and exit with.
type ctl struct {
	opts   ctlOptions
	in     io.Reader
	out    io.Writer
	errOut io.Writer
	client *xmlrpc.Client
	status int              // the exit status so far
	asking bool             // interactive: shutdown and reload ask, a 401 asks for credentials
	ed     *lineedit.Editor // the editor of an interactive ctl, which tests may set
	cmds   []command

	// interrupt returns the context a command runs in, canceled by Ctrl-C,
	// and its release; nil means SIGINT (os.Interrupt) cancels it.
	interrupt func() (context.Context, context.CancelFunc)
	// completion caches the processes for Tab until the next command.
	completion []procInfo
}

// newCtl returns a ctl that reads the shell's input from in, prints on out
// and prints usage errors on errOut.
func newCtl(in io.Reader, out, errOut io.Writer) *ctl {
	return &ctl{in: in, out: out, errOut: errOut, cmds: commandTable()}
}

// runCtl runs `procman ctl`.
func runCtl(args []string, in io.Reader, out, errOut io.Writer) int {
	return newCtl(in, out, errOut).run(args)
}

// usageError prints a usage error as supervisorctl does, on errOut.
func (c *ctl) usageError(err error) int {
	fmt.Fprintf(c.errOut, "Error: %v\nFor help, use procman ctl -h\n", err)
	return exitUsage
}

// run parses the flags, runs the command of args, if any, then the shell
// when there is no command or -i asks for it.
func (c *ctl) run(args []string) int {
	fs := flag.NewFlagSet("procman ctl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var cfgPath, serverURL, user, pass, history string
	var interactive, help bool
	for _, n := range []string{"c", "configuration"} {
		fs.StringVar(&cfgPath, n, "", "")
	}
	for _, n := range []string{"s", "serverurl"} {
		fs.StringVar(&serverURL, n, "", "")
	}
	for _, n := range []string{"u", "username"} {
		fs.StringVar(&user, n, "", "")
	}
	for _, n := range []string{"p", "password"} {
		fs.StringVar(&pass, n, "", "")
	}
	for _, n := range []string{"r", "history-file"} {
		fs.StringVar(&history, n, "", "")
	}
	for _, n := range []string{"i", "interactive"} {
		fs.BoolVar(&interactive, n, false, "")
	}
	for _, n := range []string{"h", "help"} {
		fs.BoolVar(&help, n, false, "")
	}
	if err := fs.Parse(args); err != nil {
		return c.usageError(err)
	}
	if help {
		fmt.Fprint(c.out, ctlUsage)
		return exitOK
	}
	opts, err := loadCtlOptions(cfgPath)
	if err != nil {
		return c.usageError(err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["s"] || set["serverurl"] {
		opts.serverURL = serverURL
	}
	if set["u"] || set["username"] {
		opts.username = user
	}
	if set["p"] || set["password"] {
		opts.password = pass
	}
	if set["r"] || set["history-file"] {
		opts.historyFile = history
	}
	c.opts = opts
	if err := c.connect(); err != nil {
		return c.usageError(err)
	}
	defer func() { c.client.Close() }()
	if fs.NArg() == 0 || interactive {
		// As supervisorctl's, an interactive ctl asks before shutdown and
		// reload, and for credentials when the server wants them.
		c.asking = true
		if c.ed == nil {
			c.ed = lineedit.New(c.in, c.out, c.terminal(), &lineedit.Options{Complete: c.complete})
		}
	}
	if fs.NArg() > 0 {
		c.onecmd(strings.Join(fs.Args(), " "))
		if !interactive {
			return c.status
		}
	}
	c.shell()
	return exitOK // supervisorctl's shell always exits 0
}

const ctlUsage = `procman ctl -- control a procman (or supervisord) server

Usage: procman ctl [options] [command [arguments]]

Options:
  -c, --configuration FILE  the configuration file: its [supervisorctl]
                            section, else its [unix_http_server] or
                            [inet_http_server] (searched where supervisord
                            looks when not given)
  -s, --serverurl URL       the server: unix:///path/to/socket or
                            http://host:port (default http://localhost:9001)
  -u, --username USER       the user name to send the server
  -p, --password PASSWORD   the password to send the server
  -i, --interactive         start the shell after running the command
  -r, --history-file FILE   keep the shell's history in FILE
  -h, --help                print this and exit

Without a command, procman ctl starts a shell that reads commands; type
"help" there, or run "procman ctl help", for the commands.
`

// loadCtlOptions reads the settings of the configuration file at path, or
// of the first file where supervisord looks when path is empty (none is
// no error: the defaults apply).
func loadCtlOptions(path string) (ctlOptions, error) {
	o := ctlOptions{serverURL: defaultServerURL, prompt: defaultPrompt}
	if path == "" {
		found, err := findConfig("")
		if err != nil {
			return o, nil
		}
		path = found
	}
	cf, err := conf.Load(path)
	if err != nil {
		return o, err
	}
	if sc := cf.Supervisorctl; sc != nil {
		// conf fills serverurl's default in: the default is taken as unset.
		if sc.ServerURL != defaultServerURL {
			o.serverURL = sc.ServerURL
		}
		o.username, o.password, o.historyFile = sc.Username, sc.Password, sc.HistoryFile
		if sc.Prompt != "" {
			o.prompt = sc.Prompt
		}
	}
	if o.serverURL != defaultServerURL {
		return o, nil
	}
	// No serverurl: the daemon's own socket, then its port, as procman
	// serves them, with their credentials unless they are hashed.
	var user, pass string
	switch u, i := cf.UnixHTTPServer, cf.InetHTTPServer; {
	case u != nil:
		o.serverURL, user, pass = "unix://"+u.File, u.Username, u.Password
	case i != nil:
		host := i.Host
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		o.serverURL, user, pass = "http://"+joinHostPort(host, i.Port), i.Username, i.Password
	}
	if o.username == "" && o.password == "" && !strings.HasPrefix(pass, "{SHA}") {
		o.username, o.password = user, pass
	}
	return o, nil
}

func joinHostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("%s:%d", host, port)
}

// connect makes the client of the server URL.
func (c *ctl) connect() error {
	client, err := xmlrpc.NewClient(c.opts.serverURL, &xmlrpc.ClientOptions{Username: c.opts.username, Password: c.opts.password})
	if err != nil {
		return fmt.Errorf("procman: serverurl: %w", err)
	}
	if c.client != nil {
		c.client.Close()
	}
	c.client = client
	return nil
}

// println writes s and a newline, as supervisorctl's output does.
func (c *ctl) println(s string) {
	io.WriteString(c.out, s+"\n")
}

// call calls a supervisor method.
func (c *ctl) call(ctx context.Context, method string, reply any, args ...any) error {
	return c.client.Call(ctx, "supervisor."+method, args, reply)
}

// commandContext returns the context a command runs in: Ctrl-C cancels it.
func (c *ctl) commandContext() (context.Context, context.CancelFunc) {
	if c.interrupt != nil {
		return c.interrupt()
	}
	return signal.NotifyContext(context.Background(), os.Interrupt)
}

// onecmd runs one command line and reports whether it asks to leave the
// shell. Errors that the command does not handle are printed here, with
// supervisorctl's exit statuses.
func (c *ctl) onecmd(line string) (quit bool) {
	line = strings.TrimSpace(line)
	if line == "" {
		return false
	}
	if rest, ok := strings.CutPrefix(line, "?"); ok {
		line = "help " + rest
	}
	end := strings.IndexFunc(line, func(r rune) bool {
		return !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
	if end < 0 {
		end = len(line)
	}
	name, arg := line[:end], strings.TrimSpace(line[end:])
	c.completion = nil
	cmd := c.lookup(name)
	if cmd == nil {
		c.println("*** Unknown syntax: " + line)
		c.status = lsbGeneric
		return false
	}
	if cmd.name == "quit" || cmd.name == "exit" {
		c.println("")
		return true
	}
	for {
		ctx, release := c.commandContext()
		err := cmd.run(c, ctx, strings.Fields(arg))
		canceled := ctx.Err() != nil
		release()
		var pe *xmlrpc.ProtocolError
		switch {
		case err == nil:
			return false
		case errors.As(err, &pe) && pe.StatusCode == 401:
			if !c.askCredentials() {
				return false
			}
		default:
			c.reportError(err, canceled)
			return false
		}
	}
}

// askCredentials says that the server asks for credentials and, in the
// shell, asks for them and reports true to run the command again.
func (c *ctl) askCredentials() bool {
	c.println("Server requires authentication")
	c.status = lsbGeneric
	if !c.asking || c.ed == nil {
		return false
	}
	user, err := c.ed.ReadLine("Username:")
	if err != nil {
		c.println("")
		return false
	}
	pass, err := c.ed.ReadPassword("Password:")
	c.println("")
	if err != nil {
		return false
	}
	c.opts.username, c.opts.password = user, pass
	if err := c.connect(); err != nil {
		c.println("error: " + err.Error())
		return false
	}
	return true
}

// reportError prints an error a command did not handle, as supervisorctl
// prints an exception: "error: ...", exit status 1.
func (c *ctl) reportError(err error, canceled bool) {
	c.status = lsbGeneric
	var f *xmlrpc.Fault
	switch {
	case canceled:
		c.println("")
		c.println("error: interrupted")
	case errors.As(err, &f):
		c.println("error: " + f.String)
	case isRefused(err):
		c.println("error: " + c.opts.serverURL + " refused connection")
	case isNoSocket(err):
		c.println("error: " + c.opts.serverURL + " no such file")
	default:
		c.println("error: " + err.Error())
	}
}

// isRefused reports whether err is a refused connection.
func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// isNoSocket reports whether err is a missing unix socket.
func isNoSocket(err error) bool { return errors.Is(err, syscall.ENOENT) }

// upcheck checks that the server answers and speaks supervisord's API,
// as supervisorctl does before most commands. It prints why not and sets
// the exit status when not; an error it cannot place is returned.
func (c *ctl) upcheck(ctx context.Context) (bool, error) {
	var version string
	err := c.call(ctx, "getVersion", &version)
	var f *xmlrpc.Fault
	switch {
	case err == nil && version == apiVersion:
		return true, nil
	case err == nil:
		c.println(fmt.Sprintf("procman ctl speaks version %s of the supervisor API, and the server at %s speaks version %s.",
			apiVersion, c.opts.serverURL, version))
		c.status = lsbNotInstalled
	case errors.As(err, &f) && f.Code == xmlrpc.FaultUnknownMethod:
		c.println("The server at " + c.opts.serverURL + " answered, but knows none of the supervisor.* methods: " +
			"check that its configuration has an [rpcinterface:supervisor] section.")
		c.status = lsbUnimplemented
	case isRefused(err):
		c.println(c.opts.serverURL + " refused connection")
		c.status = lsbNoPrivileges
	case isNoSocket(err):
		c.println(c.opts.serverURL + " no such file")
		c.status = lsbNotRunning
	default:
		return false, err
	}
	return false, nil
}

// faultCode returns the code of the fault err is, or 0.
func faultCode(err error) int {
	var f *xmlrpc.Fault
	if errors.As(err, &f) {
		return f.Code
	}
	return 0
}

// setStatusFromFault sets the exit status from a result's code, as
// supervisorctl does: success and ignored leave it, the codes of a dead
// program make it 7, others 1.
func (c *ctl) setStatusFromFault(code, ignored int) {
	switch code {
	case xmlrpc.FaultSuccess, ignored:
	case xmlrpc.FaultSpawnError, xmlrpc.FaultAbnormalTermination, xmlrpc.FaultNotRunning:
		c.status = lsbNotRunning
	default:
		c.status = lsbGeneric
	}
}

// makeNamespec returns supervisord's name of a process: "name" when the
// group has its name, "group:name" otherwise.
func makeNamespec(group, name string) string {
	if group == name {
		return name
	}
	return group + ":" + name
}

// splitNamespec splits a namespec as supervisorctl does: "g:" and "g:*"
// name group g (all is true), "g:n" process n of g, and "n" process n of
// group n.
func splitNamespec(spec string) (group, name string, all bool) {
	group, name, ok := strings.Cut(spec, ":")
	if !ok {
		return spec, spec, false
	}
	if name == "" || name == "*" {
		return group, "", true
	}
	return group, name, false
}
